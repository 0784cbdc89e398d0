"""Demo minutes: realistic Dutch minutes for the held meetings of the demo platform.

Call `add_demo_minutes(meetings, now=now)` from the demo-data loader after the meetings (with
their agenda items and invitations) are added to the session. Per municipality, every held meeting
gets minutes: approved at the next meeting (with the frozen PDF stored as version 1 and the date it
went to Wonen in Vlaanderen) for all but the latest, which stays circulated for remarks. Theme
items carry a discussion, decisions and action points; earlier action points are followed up at
the next meeting (most done, some dropped, some carried on), so the latest meetings still have open
ones. Deterministic for a given seed. Does not commit.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from overleg.extensions import db
from overleg.models import (
    ActionPoint,
    ActionPointStatus,
    AgendaItem,
    AgendaItemKind,
    AgendaItemNote,
    Attendance,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    MinutesVersion,
)

# theme code -> (discussion, decisions, action points as (description, organisation type code))
THEME_TEXT: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {
    "sociale_woonprojecten": (
        "De woonmaatschappij licht de stand van de geplande projecten toe. Het project in de "
        "dorpskern (**24 appartementen**) zit in de aanbestedingsfase; de start van de werken "
        "is voorzien in het najaar.\n\n- De omgevingsvergunning is definitief.\n"
        "- Voor de tweede fase wordt nog een geschikte locatie gezocht.",
        ["Het overleg steunt de timing van de eerste fase."],
        [("Overzicht van de projecten en hun timing bezorgen", "woonmaatschappij")],
    ),
    "lokale_toewijzingsreglementen": (
        "Het ontwerp van lokaal toewijzingsreglement voor senioren wordt besproken. De "
        "doelgroep (*65-plussers met een band met de gemeente*) en de verhouding van de "
        "voorrang worden toegelicht.",
        [
            "Het ontwerpreglement wordt voorgelegd aan de gemeenteraad.",
            "De evaluatie volgt na één jaar.",
        ],
        [
            ("Ontwerpreglement agenderen op de gemeenteraad", "gemeente"),
            ("Advies van Wonen in Vlaanderen opvragen", "wonen_in_vlaanderen"),
        ],
    ),
    "woningkwaliteit": (
        "De dienst wonen geeft een stand van zaken van de conformiteitsonderzoeken en het "
        "leegstandsregister. Het aantal ongeschiktverklaringen blijft stabiel; de "
        "leegstandsheffing levert minder op dan verwacht.",
        ["Het leegstandsregister wordt jaarlijks geactualiseerd."],
        [("Leegstandsregister actualiseren en cijfers delen", "gemeente")],
    ),
    "woonnood_wachtlijsten": (
        "De woonmaatschappij bespreekt de wachtlijst: het aantal kandidaat-huurders stijgt, "
        "vooral bij alleenstaanden. Het CAW signaleert meer aanmeldingen van jongeren in "
        "dak- en thuisloosheid.",
        ["Het overleg vraagt een analyse van de wachtlijst per woningtype."],
        [
            ("Analyse van de wachtlijst per woningtype bezorgen", "woonmaatschappij"),
            ("Cijfers aanmeldingen jongeren delen", "caw"),
        ],
    ),
    "kerncijfers": (
        "De coördinator overloopt de kerncijfers: woningmarkt, huurprijzen, woningkwaliteit en "
        "het gebruik van de Vlaamse, provinciale en gemeentelijke premies. Meer informatie op "
        "[de website van Wonen in Vlaanderen](https://www.wonenvlaanderen.be).",
        ["De gemeentelijke renovatiepremie blijft ongewijzigd."],
        [("Kerncijfers opnemen in de nieuwsbrief", "igs")],
    ),
}
GENERIC_THEME = (
    "Het thema wordt toegelicht en besproken. De aanwezigen wisselen ervaringen uit.",
    ["Het overleg neemt kennis van de toelichting."],
    [("Presentatie bezorgen aan de leden", "igs")],
)
FOLLOW_UP_NOTES = {
    ActionPointStatus.DONE: ["Uitgevoerd.", "Afgerond, zie bijlage bij de uitnodiging.", "Gedaan."],
    ActionPointStatus.DROPPED: ["Niet langer nodig.", "Vervalt door nieuwe regelgeving."],
    ActionPointStatus.OPEN: ["Loopt nog.", "Volgt tegen de volgende vergadering.", ""],
}


def add_demo_minutes(
    meetings: Sequence[Meeting],
    *,
    now: datetime,
    seed: int = 4,
    freeze_pdfs: bool = True,
) -> int:
    """Give the held meetings minutes; returns how many minutes were made.

    With `freeze_pdfs` (the default) approved and circulated minutes get their stored PDF
    (version 1), as the workflow would have left them.
    """
    rng = random.Random(seed)  # noqa: S311  # nosec B311 - reproducible demo content
    by_municipality: dict[int, list[Meeting]] = defaultdict(list)
    db.session.flush()
    for meeting in meetings:
        if meeting.status is MeetingStatus.HELD and meeting.end_at <= now:
            by_municipality[meeting.municipality_id].append(meeting)
    upcoming: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        if meeting.status is not MeetingStatus.CANCELLED:
            upcoming[meeting.municipality_id].append(meeting)

    made: list[tuple[Meeting, Minutes]] = []
    for municipality_id, held in by_municipality.items():
        held.sort(key=lambda m: m.start_at)
        later_all = sorted(upcoming[municipality_id], key=lambda m: m.start_at)
        open_points: list[ActionPoint] = []
        for index, meeting in enumerate(held):
            minutes = _minutes_for(meeting, open_points, rng)
            is_latest = index == len(held) - 1
            next_one = next((m for m in later_all if m.start_at > meeting.start_at), None)
            circulated_at = meeting.end_at + timedelta(days=rng.randint(5, 12))
            minutes.circulated_at = min(circulated_at, now)
            if is_latest or next_one is None or next_one.start_at > now:
                minutes.status = MinutesStatus.CIRCULATED
            else:
                minutes.status = MinutesStatus.APPROVED
                minutes.approved_at = next_one.start_at + timedelta(minutes=20)
                minutes.approved_at_meeting_id = next_one.id
                minutes.sent_to_agency_at = min(minutes.approved_at + timedelta(days=2), now)
            made.append((meeting, minutes))
    db.session.flush()
    if freeze_pdfs:
        _freeze_all(made)
    return len(made)


def _freeze_all(made: list[tuple[Meeting, Minutes]]) -> None:
    from overleg.documents.services import record_annexes
    from overleg.minutes.services import render_minutes

    for meeting, minutes in made:
        content = render_minutes(meeting, minutes).content
        version = MinutesVersion(
            minutes=minutes,
            number=1,
            status=minutes.status,
            pdf=content,
            sha256=hashlib.sha256(content).hexdigest(),
            created_at=minutes.approved_at or minutes.circulated_at or meeting.end_at,
        )
        db.session.add(version)
        if minutes.status is MinutesStatus.APPROVED:
            record_annexes(version)  # the document versions the approval froze
    db.session.flush()


def _by_role(meeting: Meeting, role: InviteeRole) -> Invitation | None:
    return next(
        (i for i in meeting.invitations if i.role is role and i.attendance is Attendance.PRESENT),
        None,
    )


def _owner_for(meeting: Meeting, type_code: str) -> tuple[int | None, int | None]:
    """An organisation of that type among the invitees (or any present invitee's organisation)."""
    for invitation in meeting.invitations:
        contact = invitation.contact
        if contact is not None and contact.organisation.type.code == type_code:
            return contact.organisation_id, (contact.id if type_code != "igs" else None)
    for invitation in meeting.invitations:
        if invitation.contact is not None and invitation.attendance is Attendance.PRESENT:
            return invitation.contact.organisation_id, None
    return None, None


def _minutes_for(meeting: Meeting, open_points: list[ActionPoint], rng: random.Random) -> Minutes:
    present = [i for i in meeting.invitations if i.attendance is Attendance.PRESENT]
    chair = _by_role(meeting, InviteeRole.CHAIR) or (present[0] if present else None)
    taker = _by_role(meeting, InviteeRole.SECRETARY) or (present[-1] if present else None)
    minutes = Minutes(
        meeting=meeting,
        status=MinutesStatus.DRAFT,
        chair_invitation_id=chair.id if chair else None,
        minute_taker_invitation_id=taker.id if taker else None,
        updated_at=meeting.end_at + timedelta(days=3),
    )
    db.session.add(minutes)
    # A confidential item's notes are on its own page (overleg/demo/practice.py), not here.
    for item in (i for i in meeting.agenda_items if not i.confidential):
        discussion, decisions = _note(item, meeting, open_points, rng)
        if discussion or decisions:
            minutes.notes.append(
                AgendaItemNote(agenda_item=item, discussion=discussion, decisions=decisions)
            )
        if item.kind is AgendaItemKind.THEME:
            code = item.theme.code if item.theme is not None else ""
            _text, _decisions, actions = THEME_TEXT.get(code, GENERIC_THEME)
            for description, type_code in actions:
                organisation_id, contact_id = _owner_for(meeting, type_code)
                point = ActionPoint(
                    municipality_id=meeting.municipality_id,
                    meeting=meeting,
                    agenda_item_id=item.id,
                    description=description,
                    owner_organisation_id=organisation_id if contact_id is None else None,
                    owner_contact_id=contact_id,
                    due_date=(meeting.start_at + timedelta(days=rng.choice([45, 60, 90]))).date(),
                    status=ActionPointStatus.OPEN,
                    created_at=meeting.end_at,
                )
                db.session.add(point)
                open_points.append(point)
    return minutes


def _note(
    item: AgendaItem, meeting: Meeting, open_points: list[ActionPoint], rng: random.Random
) -> tuple[str, str]:
    kind = item.kind
    if kind is AgendaItemKind.WELCOME:
        return "De voorzitter verwelkomt de aanwezigen en overloopt de agenda.", ""
    if kind is AgendaItemKind.APPROVAL:
        return (
            "Er zijn geen opmerkingen bij het verslag van de vorige vergadering.",
            "Het verslag van de vorige vergadering wordt goedgekeurd.",
        )
    if kind is AgendaItemKind.FOLLOW_UP:
        earlier = [p for p in open_points if p.meeting is not meeting]
        for point in earlier:
            roll = rng.random()
            status = (
                ActionPointStatus.DONE
                if roll < 0.6
                else ActionPointStatus.DROPPED
                if roll < 0.7
                else ActionPointStatus.OPEN
            )
            point.follow_up_note = rng.choice(FOLLOW_UP_NOTES[status])
            if status is not ActionPointStatus.OPEN:
                point.status = status
                point.closed_at = meeting.end_at
                point.closed_at_meeting_id = meeting.id
                open_points.remove(point)
        if not earlier:
            return "Er stonden geen actiepunten open.", ""
        return "De openstaande actiepunten van de vorige vergaderingen worden overlopen.", ""
    if kind is AgendaItemKind.THEME:
        code = item.theme.code if item.theme is not None else ""
        text, decisions, _actions = THEME_TEXT.get(code, GENERIC_THEME)
        return text, "\n".join(decisions)
    if kind is AgendaItemKind.VARIA:
        return rng.choice(
            [
                "Geen varia.",
                "Het CAW stelt de nieuwe medewerker van het woonloket voor.",
                "De huurdersbond vraagt aandacht voor de energiefactuur van huurders.",
            ]
        ), ""
    if kind is AgendaItemKind.NEXT_MEETING:
        return "De datum van de volgende vergadering wordt bevestigd.", ""
    return "", ""
