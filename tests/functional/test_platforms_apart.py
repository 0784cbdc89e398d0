"""Two platforms on one installation see nothing of each other (issue 12).

The second platform of the world (Verweg's) gets data whose every name carries a marker: a
municipality, organisations, a contact who shares an address with a contact of the first
platform, a theme, meetings past and coming with agenda, invitations, minutes and an action
point, an availability poll, mail in the outbox, users and audit entries. Then every output the
first platform's coordinator, secretary and reader can reach is read and searched for the
markers: every GET of the access matrix (pages, PDFs, CSV, .ics feeds, the JSON API) for objects
of both their municipalities, the searches with the markers as query, filters naming the other
platform's municipality, the personal-data export and the personal calendar feed. (A page may
repeat what was searched for, so the searches ask for a part of the marker, and the other
platform's municipality slug carries none.)
"""

from __future__ import annotations

import email
import io
import re
import subprocess  # nosec B404 - only to catch the error of pdftotext
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from overleg.audit import services as audit
from overleg.extensions import db
from overleg.lib.tokens import new_token
from overleg.models import InviteeRole, MeetingStatus, MinutesStatus
from tests import factories
from tests.conftest import World, csrf_token, login
from tests.functional.test_access_matrix import BUILDERS, CASES
from tests.pdftools import pdf_text

# Long enough that no random token on a page (personal links, feed addresses: base64url, matched
# without case) contains it by chance; "QXZ" did, about once in a hundred runs.
MARKER = "QXZWVK"
# What of the other platform the world already has: its municipality, its organisation, its users.
WORLD_MARKERS = ("Verweg", "Ander platform", "ander@example.be", "ander.example.be")
FOUND = re.compile("|".join([re.escape(MARKER), *map(re.escape, WORLD_MARKERS)]), re.IGNORECASE)


def _other_platform(world: World, shared_email: str) -> dict[str, Any]:
    """The second platform's marked data; returns what the searches need."""
    platform = world.elsewhere.platform
    town = factories.MunicipalityFactory(
        platform=platform, name=f"Lekdorp {MARKER}", slug="lekdorp-b", usual_location=MARKER
    )
    housing = factories.organisation_serving(
        town, name=f"Woonmaatschappij {MARKER}", email=f"info@{MARKER.lower()}.example.be"
    )
    factories.OrganisationFactory(platform=platform, name=f"Huurdersbond {MARKER}")  # serves none
    person = factories.ContactFactory(
        organisation=housing,
        first_name="Quinten",
        last_name=f"Lekmans {MARKER}",
        email=shared_email,
        job_title=f"Woonconsulent {MARKER}",
        feed_token=new_token(),
    )
    factories.StandingInviteeFactory(municipality=town, contact=person, role=InviteeRole.CHAIR)
    theme = factories.ThemeFactory(platform=platform, name=f"Thema {MARKER}", is_mandatory=True)
    past = factories.HeldMeetingFactory(
        municipality=town, title=f"Woonoverleg {MARKER}", location=f"Zaal {MARKER}"
    )
    coming = factories.MeetingFactory(
        municipality=town,
        title=f"Toekomstig overleg {MARKER}",
        location=f"Zaal {MARKER}",
        status=MeetingStatus.INVITED,
        start_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=3),
    )
    coming.end_at = coming.start_at + timedelta(hours=2)
    for meeting in (past, coming):
        factories.AgendaItemFactory(meeting=meeting, title=f"Agendapunt {MARKER}", theme=theme)
        factories.InvitationFactory(meeting=meeting, contact=person, token=new_token())
    factories.document(
        coming,
        filename=f"stuk-{MARKER}.txt",
        content=f"Inhoud {MARKER}\n".encode(),
        title=f"Stuk {MARKER}",
    )
    factories.MinutesFactory(meeting=past, status=MinutesStatus.CIRCULATED)
    factories.ActionPointFactory(meeting=past, description=f"Actiepunt {MARKER}")
    factories.availability_poll(town, year=2026)
    factories.outbox_message(past, to_address=f"lek@{MARKER.lower()}.example.be")
    user = factories.UserFactory(
        platform=platform,
        name=f"Coördinator {MARKER}",
        email=f"coordinator@{MARKER.lower()}.example.be",
    )
    audit.record(user, "meeting.update", past, municipality_id=town.id, summary=MARKER)
    audit.record(user, "theme.update", theme, summary=f"Thema {MARKER}")
    db.session.commit()
    return {"town": town, "theme": theme, "meeting": past}


def _text(response: Any) -> str:
    """What a person could read in the response: PDF text, the parts of a mail, the XML of a
    Word file, or the body as text."""
    data = response.get_data()
    mimetype = response.mimetype or ""
    if mimetype == "application/pdf":
        try:
            return pdf_text(data)
        except subprocess.CalledProcessError:  # the stand-in PDF of a stored minutes version
            return data.decode("utf-8", "replace")
    if mimetype == "message/rfc822":
        message = email.message_from_bytes(data)
        parts = [str(message)]
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts.append(payload.decode("utf-8", "replace"))
        return "\n".join(parts)
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return data.decode("utf-8", "replace")


def _get_paths(objects: dict[str, Any], marked: dict[str, Any]) -> list[str]:
    """Every GET of the access matrix for both municipalities of the first platform, and the
    searches and filters that name the second platform."""
    paths = []
    for case in CASES.values():
        if case.method != "GET":
            continue
        sides = ("own", "other") if case.scoped or case.platform_scoped else ("own",)
        paths += [case.path(objects, side) for side in sides]
    meeting = objects["meeting"]["own"].id
    town, theme = marked["town"], marked["theme"]
    return [
        *dict.fromkeys(paths),
        f"/organisations?q={MARKER[:2]}",
        f"/organisations?q={MARKER[:2]}&archived=y",
        "/organisations?q=Huurdersbond",
        f"/organisations?municipality={town.slug}",
        f"/meetings/{meeting}/invitees?q={MARKER[:2]}",
        f"/meetings/{meeting}/invitees?q=Quinten",
        f"/meetings?municipality={town.slug}",
        "/meetings?status=invited",
        f"/meetings/new?municipality={town.slug}",
        f"/api/v1/meetings?municipality={town.slug}&year=2026",
        "/api/v1/meetings?year=2026",
        "/api/v1/meetings?year=2027",
        f"/audit?municipality={town.id}",
        "/audit?action=theme",
        f"/themes/{theme.id}",
        f"/planning?year=2026&half=1&poll={objects['poll']['own'].id}",
        "/planning/compliance?year=2026",
        "/planning/compliance/report.csv?year=2026",
        "/planning/compliance/report.pdf?year=2026",
        "/calendar",
        "/outbox?status=queued",
    ]


@pytest.mark.parametrize("role", ["coordinator", "secretary", "reader"])
def test_nothing_of_the_other_platform_reaches_the_first(app, client, world, role):
    objects = {
        name: {"own": build(world, world.north), "other": build(world, world.south)}
        for name, build in BUILDERS.items()
    }
    user = getattr(world, role)
    user.feed_token = new_token()
    db.session.commit()
    marked = _other_platform(world, shared_email=objects["dataio_contact"]["own"].email)
    login(client, user)
    leaks = []
    for path in [*_get_paths(objects, marked), f"/calendar/user/{user.feed_token}.ics"]:
        response = client.get(path)
        assert response.status_code < 500, path
        if found := FOUND.search(_text(response)):
            leaks.append(f"GET {path}: {found.group(0)!r}")
    for side in ("own", "other"):
        contact = objects["dataio_contact"][side]
        response = client.post(
            f"/contacts/{contact.id}/personal-data.json",
            data={"csrf_token": csrf_token(client)},
        )
        if found := FOUND.search(_text(response)):
            leaks.append(f"personal data of {contact.email}: {found.group(0)!r}")
    assert not leaks, "\n".join(leaks)


def test_the_public_calendar_shows_a_user_their_platform_and_a_visitor_all(app, client, world):
    """The public calendar index: every municipality to an anonymous visitor (the calendars are
    public), only their own platform's to a logged-in user."""
    for municipality in (world.north, world.elsewhere):
        factories.MeetingFactory(municipality=municipality)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Noorderdorp" in page and "Verweg" in page
    login(client, world.coordinator)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Noorderdorp" in page and "Verweg" not in page
    client.delete_cookie("session")
    login(client, world.outsider)
    page = client.get("/calendar").get_data(as_text=True)
    assert "Verweg" in page and "Noorderdorp" not in page
