"""The agenda of a meeting as a PDF (attached to the invitation mail, offered for download).

The rendering itself (WeasyPrint, the restricted URL fetcher, the shared stylesheet and fonts) is
overleg.lib.pdf; this module chooses what the agenda document shows.
"""

from __future__ import annotations

from overleg.documents import services as documents
from overleg.lib.markup import render_markdown
from overleg.lib.pdf import RenderedPdf, dated_pdf_filename, render_pdf_template
from overleg.models import Invitation, Meeting


def agenda_pdf_filename(meeting: Meeting) -> str:
    return dated_pdf_filename("agenda", meeting.municipality.slug, meeting.start_at)


def render_agenda_pdf(meeting: Meeting) -> bytes:
    """The agenda of `meeting` as a tagged A4 PDF (attached to the invitation mail)."""
    return render_agenda(meeting).content


def render_agenda(meeting: Meeting) -> RenderedPdf:
    invitations = sorted(
        (i for i in meeting.invitations if not i.is_guest),
        key=lambda i: (_organisation_name(i), i.display_name.lower()),
    )
    return render_pdf_template(
        "agenda.html",
        meeting=meeting,
        platform=meeting.municipality.platform,
        municipality=meeting.municipality,
        items=meeting.public_agenda,
        invitations=invitations,
        documents=documents.by_item(documents.shared_of(meeting)),
        render_markdown=render_markdown,
    )


def _organisation_name(invitation: Invitation) -> str:
    if invitation.contact is not None:
        return invitation.contact.organisation.name
    return invitation.guest_organisation or ""
