// overleg: the main navigation's menu button on narrow screens (templates/base.html).
// The button's aria-expanded is the one state: layout.css hides the menu when it is "false",
// below 48rem and only where scripting is enabled; without JavaScript the button is not shown
// and the menu is, so every link is reachable.
(() => {
  const toggleOf = (element) => element && element.closest(".menu-toggle");

  const setOpen = (toggle, open) => {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  };

  document.addEventListener("click", (event) => {
    const toggle = toggleOf(event.target);
    if (toggle) {
      setOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
    }
  });

  // Escape folds an open menu and puts the focus back on its button.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") {
      return;
    }
    const toggle = document.querySelector('.menu-toggle[aria-expanded="true"]');
    if (!toggle || toggle.offsetParent === null) {
      return;
    }
    const menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (menu && (menu.contains(document.activeElement) || document.activeElement === toggle)) {
      setOpen(toggle, false);
      toggle.focus();
    }
  });
})();
