"""Finding things through HTTP (issue 14, item 6): the meeting search and the outbox's filter,
their messages for bad input, and filters kept in the URL across pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from overleg.extensions import db
from overleg.models import MeetingStatus, OutboxStatus
from tests import factories
from tests.conftest import login
from tests.unit.test_meeting_search import _meeting


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _next_link(body: str) -> str:
    return html.unescape(re.search(r'<a href="([^"]+)"[^>]*>Volgende</a>', body).group(1))


# --- meetings -----------------------------------------------------------------------------


def test_the_meeting_list_searches_title_theme_dates_and_status(client, world):
    theme = factories.ThemeFactory(platform=world.platform, name="Wachtlijsten")
    spring = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Voorjaar")
    factories.AgendaItemFactory(meeting=spring, theme=theme)
    autumn = _meeting(
        world.south,
        datetime(2026, 10, 6, 13, 0, tzinfo=UTC),
        title="Najaar",
        status=MeetingStatus.HELD,
    )
    db.session.commit()
    login(client, world.coordinator)

    def found(query: str) -> set[int]:
        body = _body(client.get(f"/meetings?{query}"))
        return {m.id for m in (spring, autumn) if f'href="/meetings/{m.id}"' in body}

    assert found("") == {spring.id, autumn.id}
    assert found("q=voorJAAR") == {spring.id}
    assert found(f"theme={theme.id}") == {spring.id}
    assert found("date_from=2026-06-01") == {autumn.id}
    assert found("date_from=2026-03-10&date_to=2026-03-10") == {spring.id}
    assert found("status=held") == {autumn.id}
    assert found("municipality=zuiderdorp&q=voorjaar") == set()
    assert 'role="search"' in _body(client.get("/meetings"))


def test_a_secretary_finds_only_meetings_of_their_municipalities(client, world):
    own = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Gedeeld")
    other = _meeting(world.south, datetime(2026, 3, 11, 13, 0, tzinfo=UTC), title="Gedeeld")
    db.session.commit()
    login(client, world.secretary)

    body = _body(client.get("/meetings?q=gedeeld&date_from=2026-01-01"))

    assert f'href="/meetings/{own.id}"' in body and f'href="/meetings/{other.id}"' not in body


def test_bad_search_input_is_a_message_on_its_field_never_a_500(client, world):
    meeting = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Voorjaar")
    db.session.commit()
    login(client, world.coordinator)

    body = _body(
        client.get("/meetings?date_from=2026-13-45&status=bogus&theme=abc&q=voorjaar&page=x")
    )
    assert body.count("Kies een waarde uit de lijst.") == 2  # status and theme
    assert "Geef een geldige datum." in body
    assert 'value="2026-13-45"' in body  # what was typed is kept
    assert f'href="/meetings/{meeting.id}"' in body  # the valid filter still applies

    body = _body(client.get("/meetings?date_from=2026-06-01&date_to=2026-05-01"))
    assert "Deze datum ligt voor de datum bij Vanaf." in body
    body = _body(client.get("/meetings?date_from=1850-01-01&q=" + "x" * 201))
    assert "Kies een datum tussen 1 januari" in body and "Maximaal 200 tekens." in body
    assert "Kies een waarde uit de lijst." in _body(client.get("/meetings?theme=999999"))


def test_another_platforms_theme_is_not_a_choice(client, world):
    foreign = factories.ThemeFactory(platform=world.elsewhere.platform, name="Elders")
    db.session.commit()
    login(client, world.coordinator)

    body = _body(client.get(f"/meetings?theme={foreign.id}"))

    assert "Kies een waarde uit de lijst." in body and "Elders" not in body


def test_the_search_is_kept_across_pages(client, world):
    start = datetime(2030, 1, 7, 13, 0, tzinfo=UTC)
    for n in range(27):
        _meeting(world.north, start + timedelta(days=n), title=f"Reeks {n}")
    _meeting(world.north, start, title="Iets anders")
    db.session.commit()
    login(client, world.coordinator)

    first = _body(client.get("/meetings?q=reeks&date_from=2030-01-01&status=planned"))
    assert "Vergadering 1 tot 25 van 27" in first
    link = _next_link(first)
    assert "q=reeks" in link and "date_from=2030-01-01" in link and "status=planned" in link

    second = _body(client.get(link))
    assert "Vergadering 26 tot 27 van 27" in second
    assert "Iets anders" not in second
    previous = html.unescape(re.search(r'<a href="([^"]+)"[^>]*>Vorige</a>', second).group(1))
    assert "q=reeks" in previous


# --- outbox -------------------------------------------------------------------------------


def test_the_outbox_filters_by_meeting_recipient_and_status(client, world):
    north = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Noord")
    south = _meeting(world.south, datetime(2026, 3, 11, 13, 0, tzinfo=UTC), title="Zuid")
    to_an = factories.outbox_message(north, to_address="an@example.be", to_name="An Peeters")
    to_bo = factories.outbox_message(north, to_address="bo@example.be", to_name="Bo Maes")
    to_south = factories.outbox_message(south, to_address="an@example.be")
    to_bo.status = OutboxStatus.FAILED
    db.session.commit()
    login(client, world.coordinator)

    def found(query: str) -> set[int]:
        body = _body(client.get(f"/outbox?{query}"))
        rows = (to_an, to_bo, to_south)
        return {row.id for row in rows if f'href="/outbox/{row.id}"' in body}

    assert found("") == {to_an.id, to_bo.id, to_south.id}
    assert found(f"meeting={north.id}") == {to_an.id, to_bo.id}
    assert found("recipient=AN@") == {to_an.id, to_south.id}
    assert found("recipient=peeters") == {to_an.id}  # the name
    assert found("status=failed") == {to_bo.id}
    assert found(f"meeting={north.id}&recipient=an@") == {to_an.id}
    body = _body(client.get(f"/outbox?meeting={north.id}"))
    assert "10 mrt 2026 \u2013 Noord (Noorderdorp)" in body  # the meeting's choice
    # The status links keep the other filters, and count within them.
    assert f'href="/outbox?status=failed&amp;meeting={north.id}"' in body
    assert "Mislukt (1)" in body
    assert "Verstuurd (0)" in body


def test_bad_outbox_filters_are_messages_never_a_500(client, world):
    meeting = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Noord")
    row = factories.outbox_message(meeting)
    foreign = factories.outbox_message(factories.MeetingFactory(municipality=world.elsewhere))
    login(client, world.coordinator)

    body = _body(client.get("/outbox?meeting=abc&status=bogus&pagina=x"))
    assert body.count("Kies een waarde uit de lijst.") == 2
    assert f'href="/outbox/{row.id}"' in body  # nothing valid to apply: everything shown

    # A meeting of another platform is no choice: same message, nothing of it shown.
    body = _body(client.get(f"/outbox?meeting={foreign.meeting_id}"))
    assert "Kies een waarde uit de lijst." in body
    assert f'href="/outbox/{foreign.id}"' not in body
    body = _body(client.get("/outbox?meeting=99999999999999999999&recipient=" + "x" * 255))
    assert "Kies een waarde uit de lijst." in body and "Maximaal 254 tekens." in body
    for too_large in ("2147483648", "9999999999", "١٢"):  # beyond an integer column
        assert "Kies een waarde uit de lijst." in _body(client.get(f"/outbox?meeting={too_large}"))


def test_the_outbox_filters_are_kept_across_pages(client, world):
    meeting = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Noord")
    for n in range(52):
        factories.outbox_message(meeting, to_address=f"lid{n}@example.be")
    other = factories.outbox_message(meeting, to_address="iemand@elders.be")
    login(client, world.coordinator)

    first = _body(client.get(f"/outbox?meeting={meeting.id}&recipient=example.be&status=queued"))
    assert "Pagina 1 van 2" in first
    link = _next_link(first)
    for part in (f"meeting={meeting.id}", "recipient=example.be", "status=queued", "pagina=2"):
        assert part in link, link

    second = _body(client.get(link))
    assert "Pagina 2 van 2" in second
    assert len(re.findall(r'href="/outbox/\d+"', second)) == 2  # 52 found, 50 a page
    assert f'href="/outbox/{other.id}"' not in second


def test_the_meeting_page_links_to_its_own_mail(client, world):
    # Older meetings are not among the filter's choices (the latest 100 with mail): the meeting
    # page's link still reaches their mail.
    meeting = _meeting(world.north, datetime(2026, 3, 10, 13, 0, tzinfo=UTC), title="Noord")
    login(client, world.coordinator)
    body = _body(client.get(f"/meetings/{meeting.id}"))
    assert f'href="/outbox?meeting={meeting.id}">Uitgaande mail van deze vergadering</a>' in body
    client.delete_cookie("session")
    login(client, world.secretary)
    assert "Uitgaande mail van deze vergadering" not in _body(client.get(f"/meetings/{meeting.id}"))
