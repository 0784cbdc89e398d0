// Upload progress for forms marked data-upload (templates/documents/). Without JavaScript the
// form posts as a plain multipart form; with it, the same POST goes through XMLHttpRequest so a
// <progress> bar can show how far the upload is, and the server's answer (the page after the
// redirect, or the form with its messages) replaces the page.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData) {
    return;
  }

  function showAnswer(xhr) {
    if (xhr.responseURL) {
      window.history.replaceState(null, "", xhr.responseURL);
    }
    document.open();
    document.write(xhr.responseText);
    document.close();
  }

  function upload(form, event) {
    event.preventDefault();
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", form.getAttribute("data-progress-label") || "Upload");
    form.appendChild(progress);
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = true;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.value = Math.round((100 * e.loaded) / e.total);
      }
    });
    xhr.addEventListener("load", function () {
      showAnswer(xhr);
    });
    xhr.addEventListener("error", function () {
      // The network failed: let the browser post the form itself.
      progress.remove();
      if (button) {
        button.disabled = false;
      }
      HTMLFormElement.prototype.submit.call(form);
    });
    xhr.send(new FormData(form));
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      upload(form, event);
    });
  });
})();
