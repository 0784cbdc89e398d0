"""The demo's joint woonoverleg (issue 16): Meerhout and Balen, neighbours, held their latest
meeting together. It counts for both; one item was only for Meerhout and one only for Balen, so
each gets its own verslag (the demo secretary works for Meerhout: she sees Balen's item nowhere).

Made after the minutes: the two items and their notes are added to the meeting Meerhout already
held (the rest of the demo, and its random choices, stay as they were)."""

from __future__ import annotations

import sqlalchemy as sa

from overleg.extensions import db
from overleg.meetings.services import AgendaItemData, add_agenda_item
from overleg.models import AgendaItemNote, Meeting, MeetingStatus, Minutes, Municipality, Theme

HOST, PARTNER = "Meerhout", "Balen"
# (for whom, theme code, title, what was said)
ITEMS = (
    (
        HOST,
        "sociale_woonprojecten",
        "Sociale huurwoningen Meerhout-Centrum",
        "De woonmaatschappij licht de planning van de 24 woningen toe; de vergunning is "
        "aangevraagd.",
    ),
    (
        PARTNER,
        "woningkwaliteit",
        "Leegstand in de dorpskern van Balen",
        "De gemeente stelt de nieuwe leegstandsheffing voor; het register telt 31 panden.",
    ),
)


def add_demo_joint_meeting(
    meetings: list[Meeting], by_name: dict[str, Municipality], themes: dict[str, Theme]
) -> None:
    """Make Meerhout's latest held meeting a joint one with Balen, with an item for each."""
    host, partner = by_name[HOST], by_name[PARTNER]
    held = [m for m in meetings if m.municipality is host and m.status is MeetingStatus.HELD]
    if not held:
        return
    meeting = max(held, key=lambda m: m.start_at)
    meeting.partners.append(partner)
    meeting.title = f"Gezamenlijk woonoverleg {host.name} en {partner.name}"
    minutes = db.session.scalar(sa.select(Minutes).where(Minutes.meeting_id == meeting.id))
    for owner, code, title, discussion in ITEMS:
        data = AgendaItemData(
            title=title,
            duration_minutes=20,
            theme=themes[code],
            municipality_ids=(by_name[owner].id,),
        )
        item = add_agenda_item(meeting, data)
        if minutes is not None:
            minutes.notes.append(AgendaItemNote(agenda_item_id=item.id, discussion=discussion))
