"""The safe Markdown subset of the minutes (markdown + nh3)."""

from __future__ import annotations

import pytest

from overleg.lib.markup import is_safe_link, lines, render_markdown


def test_the_subset_survives():
    html = str(
        render_markdown(
            "Eerste alinea met **vet** en *cursief*.\n\n- een\n- twee\n\nDaarna:\n\n"
            "1. eerst\n2. dan\n\n[site](https://www.vlaanderen.be/wonen) en "
            "[mail](mailto:info@example.be)"
        )
    )
    assert "<strong>vet</strong>" in html
    assert "<em>cursief</em>" in html
    assert "<ul>" in html and "<li>een</li>" in html
    assert "<ol>" in html
    assert 'href="https://www.vlaanderen.be/wonen"' in html
    assert 'href="mailto:info@example.be"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        '<img src="http://127.0.0.1/x.png" onerror="alert(1)">',
        "![foto](http://127.0.0.1:8000/foto.png)",
        '<iframe src="https://example.com"></iframe>',
        '<a href="javascript:alert(1)">klik</a>',
        "<style>@import url(http://127.0.0.1/x.css);</style>",
        '<p style="background:url(http://127.0.0.1/y)">tekst</p>',
        '<link rel="stylesheet" href="http://127.0.0.1/z.css">',
    ],
)
def test_hostile_markup_is_dropped(hostile):
    html = str(render_markdown(f"Voor {hostile} na"))
    for needle in (
        "<script",
        "<img",
        "<iframe",
        "<style",
        "<link",
        "style=",
        "onerror",
        "javascript:",
        "127.0.0.1",
    ):
        assert needle not in html, (needle, html)
    assert "Voor" in html and "na" in html


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:5000/admin",
        "http://localhost/",
        "http://10.0.0.5/intranet",
        "http://192.168.1.1/",
        "http://[::1]/",
        "http://2130706433/",
        "https://169.254.169.254/latest/meta-data",
        "ftp://example.com/file",
        "data:text/html;base64,PHNjcmlwdD4=",
    ],
)
def test_links_to_this_machine_other_schemes_and_private_networks_lose_their_href(url):
    html = str(render_markdown(f"[hier]({url})"))
    assert "href" not in html
    assert "hier" in html
    assert not is_safe_link(url)


def test_public_links_are_safe():
    assert is_safe_link("https://www.wonenvlaanderen.be/premies")
    assert is_safe_link("http://example.be/x?y=1")


def test_empty_and_lines():
    assert str(render_markdown("")) == ""
    assert str(render_markdown("   \n ")) == ""
    assert lines("Eerste\n\n  tweede  \n") == ["Eerste", "tweede"]
