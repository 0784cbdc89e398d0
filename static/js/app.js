// overleg: progressive enhancement only; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Wide tables scroll sideways on a phone: keyboard users must be able to reach and scroll
  // them (WCAG 2.1.1), so the scroll container becomes a named, focusable region.
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (!wrap.hasAttribute("tabindex")) {
      wrap.tabIndex = 0;
    }
    if (!wrap.hasAttribute("role")) {
      wrap.setAttribute("role", "region");
    }
    const section = wrap.closest("section[aria-labelledby]");
    const caption = wrap.querySelector("caption");
    if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
      if (caption && caption.id) {
        wrap.setAttribute("aria-labelledby", caption.id);
      } else if (caption) {
        wrap.setAttribute("aria-label", caption.textContent.trim());
      } else if (section) {
        wrap.setAttribute("aria-labelledby", section.getAttribute("aria-labelledby"));
      } else {
        wrap.setAttribute("aria-label", document.title);
      }
    }
  });
  // Ask before destructive actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
