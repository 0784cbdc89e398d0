// overleg: progressive enhancement only; every page works without JavaScript.

// --- Tables: a labelled, focusable scroll region each, stacked rows on a phone ----------------

// The name of a table's region: its caption, the section it is in, or the heading before it.
function regionLabel(wrap) {
  const caption = wrap.querySelector("caption");
  if (caption && caption.id) {
    return ["aria-labelledby", caption.id];
  }
  if (caption) {
    return ["aria-label", caption.textContent.trim()];
  }
  const section = wrap.closest("section[aria-labelledby]");
  if (section) {
    return ["aria-labelledby", section.getAttribute("aria-labelledby")];
  }
  const headings = [...document.querySelectorAll("main h1, main h2, main h3, main h4")];
  const before = headings.filter(
    (h) => h.compareDocumentPosition(wrap) & Node.DOCUMENT_POSITION_FOLLOWING,
  );
  const heading = before.length ? before[before.length - 1] : null;
  return ["aria-label", heading ? heading.textContent.trim() : document.title];
}

// Wide tables scroll sideways inside their own container, never the page (WCAG 1.4.10): keyboard
// users must be able to reach and scroll it (2.1.1), so it is a named, focusable region. A table
// that a page did not wrap in a .table-wrap gets one here.
function tableRegions() {
  document.querySelectorAll("main table").forEach((table) => {
    if (!table.parentElement.classList.contains("table-wrap")) {
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      table.replaceWith(wrap);
      wrap.appendChild(table);
    }
  });
  document.querySelectorAll(".table-wrap").forEach((wrap) => {
    if (!wrap.hasAttribute("tabindex")) {
      wrap.tabIndex = 0;
    }
    if (!wrap.hasAttribute("role")) {
      wrap.setAttribute("role", "region");
    }
    if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("aria-labelledby")) {
      const [attribute, value] = regionLabel(wrap);
      wrap.setAttribute(attribute, value);
    }
  });
}

// The header text of every column of a table's head row (a colspan repeats its text).
function columnLabels(table) {
  const row = table.tHead && table.tHead.rows.length === 1 ? table.tHead.rows[0] : null;
  if (!row) {
    return null;
  }
  const labels = [];
  for (const cell of row.cells) {
    const text = cell.textContent.replace(/\s+/g, " ").trim();
    for (let i = 0; i < cell.colSpan; i += 1) {
      labels.push(text);
    }
  }
  return labels;
}

// Explicit table roles: a screen reader keeps the header of every cell when app.css shows the rows
// stacked (display: block would otherwise drop the table's semantics in some browsers).
function keepTableRoles(table) {
  table.setAttribute("role", "table");
  table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot").forEach((group) => {
    group.setAttribute("role", "rowgroup");
  });
  for (const row of table.rows) {
    row.setAttribute("role", "row");
    for (const cell of row.cells) {
      const header = cell.tagName === "TH";
      const rowHeader = header && (cell.scope === "row" || cell.parentElement.parentElement !== table.tHead);
      cell.setAttribute("role", header ? (rowHeader ? "rowheader" : "columnheader") : "cell");
    }
  }
}

// On a phone every row of a list table becomes a block of "header: value" lines (app.css,
// table.stacked), so nothing scrolls sideways. A table opts out with data-layout="grid" (the
// month calendar); a table of two columns fits as it is.
function stackTables() {
  document.querySelectorAll("main table").forEach((table) => {
    const labels = columnLabels(table);
    if (!labels || labels.length < 3 || table.dataset.layout === "grid" || table.tBodies.length === 0) {
      return;
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label") && labels[column]) {
            cell.dataset.label = labels[column];
          }
          if (!cell.textContent.trim() && !cell.querySelector("input, select, textarea, button, img")) {
            cell.classList.add("cell-empty");
          }
          column += cell.colSpan;
        }
      }
    }
    keepTableRoles(table);
    table.classList.add("stacked");
  });
}

// --- Paper: a folded <details> prints open (print.css hides the ones that hold a form) ---------

function openDetailsForPrinting() {
  let opened = [];
  window.addEventListener("beforeprint", () => {
    opened = [...document.querySelectorAll("main details:not([open])")];
    opened.forEach((details) => {
      details.open = true;
    });
  });
  window.addEventListener("afterprint", () => {
    opened.forEach((details) => {
      details.open = false;
    });
    opened = [];
  });
}

document.addEventListener("DOMContentLoaded", () => {
  tableRegions();
  stackTables();
  openDetailsForPrinting();
  // Ask before destructive actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
});
