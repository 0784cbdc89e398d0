"""Read a form from a page as a browser would submit it: every field's current value."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Inputs whose value is sent as it is; checkboxes and radios only when checked; buttons never.
_TEXT_LIKE = {"", "text", "hidden", "date", "time", "number", "email", "tel", "url", "search"}


@dataclass
class PageForm:
    action: str
    values: dict[str, list[str]] = field(default_factory=dict)

    def data(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.values.items()}

    def value(self, name: str) -> str:
        values = self.values.get(name, [])
        return values[0] if values else ""


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        if self.forms and name:
            self.forms[-1].values.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self.forms.append(PageForm(a.get("action", "")))
        elif tag == "input":
            kind = a.get("type", "").lower()
            if kind in _TEXT_LIKE:
                self._add(a.get("name", ""), a.get("value", ""))
            elif kind in ("checkbox", "radio") and "checked" in a:
                self._add(a.get("name", ""), a.get("value", "on"))
        elif tag == "select":
            self._select, self._options = (a.get("name", ""), "multiple" in a), []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name", ""), []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            for value in chosen:
                self._add(name, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # A browser drops the one line break that follows <textarea>.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._add(self._textarea, text)
            self._textarea = None


def forms_on(html: str, page: str) -> list[PageForm]:
    """Every form on `html` (served at `page`), its action made an absolute path."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        form.action = urlsplit(urljoin("http://localhost" + page, form.action or page)).path
    return reader.forms


def form_on(html: str, page: str, action: str) -> PageForm:
    """The (first) form on `html` (served at `page`) that posts to the path `action`."""
    for form in forms_on(html, page):
        if form.action == action:
            return form
    raise AssertionError(f"no form posting to {action} on {page}")
