// The answers to the invitations on the meeting page, kept up to date while the page is open.
// Progressive enhancement: without JavaScript the page shows the answers as they were loaded.
(() => {
  const POLL_MS = 20000;
  const panel = document.querySelector("[data-answers-url]");
  if (!panel || !window.fetch) {
    return;
  }
  const url = panel.dataset.answersUrl;

  function setText(selector, text) {
    const element = panel.querySelector(selector);
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  async function refresh() {
    if (document.hidden) {
      return;
    }
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        return;
      }
      const data = await response.json();
      setText("[data-answer-summary]", data.summary);
      for (const invitation of data.invitations) {
        setText(`[data-answer-for="${invitation.id}"]`, invitation.label);
        setText(`[data-answer-note-for="${invitation.id}"]`, invitation.note || "");
        setText(`[data-comment-for="${invitation.id}"]`, invitation.comment || "–");
      }
    } catch (error) {
      // Offline or the session ended: keep what is shown; the next round tries again.
    }
  }

  window.setInterval(refresh, POLL_MS);
  document.addEventListener("visibilitychange", refresh);
})();
