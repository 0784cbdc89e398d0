"""Reading the audit trail for the coordinators' audit page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from overleg.extensions import db
from overleg.models import AuditEntry, Municipality, User
from overleg.web.pagination import Page, paginate

ENTRIES_PER_PAGE = 50

# Readable Dutch names of what was changed (the first part of an action such as "meeting.update").
OBJECT_LABELS = {
    "municipality": _l("Gemeente"),
    "organisation": _l("Organisatie"),
    "contact": _l("Contactpersoon"),
    "standing_invitee": _l("Vaste uitnodigingslijst"),
    "theme": _l("Thema"),
    "meeting": _l("Vergadering"),
    "agenda_item": _l("Agendapunt"),
    "agenda": _l("Agenda"),
    "invitation": _l("Uitnodiging"),
    "invitee": _l("Genodigde"),
    "rsvp": _l("Antwoord op uitnodiging"),
    "minutes": _l("Verslag"),
    "document": _l("Document"),
    "attendance": _l("Aanwezigheid"),
    "action_point": _l("Actiepunt"),
    "user": _l("Gebruiker"),
    "login": _l("Aanmelding"),
    "platform": _l("Platform"),
    "outbox": _l("Uitgaande mail"),
    "feed": _l("Agendafeed"),
    "import": _l("Import"),
    "poll": _l("Bevraging"),
    "planning": _l("Jaarplanning"),
    "mail": _l("Mail"),
    "demo": _l("Demogegevens"),
    "export": _l("Export"),
}

# Where an audited object can be opened: object type -> (endpoint, name of its id argument).
OBJECT_LINKS = {
    "Organisation": ("directory.organisation", "organisation_id"),
    "Contact": ("directory.contact", "contact_id"),
    "Theme": ("directory.theme", "theme_id"),
    "Meeting": ("meetings.detail", "meeting_id"),
    "User": ("users.edit", "user_id"),
}

# Readable Dutch names of what happened (the second part of the action).
VERB_LABELS = {
    "create": _l("aangemaakt"),
    "update": _l("gewijzigd"),
    "delete": _l("verwijderd"),
    "archive": _l("gearchiveerd"),
    "unarchive": _l("terug actief"),
    "activate": _l("geactiveerd"),
    "deactivate": _l("gedeactiveerd"),
    "reactivate": _l("opnieuw geactiveerd"),
    "reinvite": _l("opnieuw uitgenodigd"),
    "password_set": _l("wachtwoord ingesteld"),
    "password_reset_mail": _l("link voor een nieuw wachtwoord gemaild"),
    "cancel": _l("geannuleerd"),
    "reorder": _l("herschikt"),
    "send": _l("verstuurd"),
    "invite": _l("uitnodigingen verstuurd"),
    "respond": _l("beantwoord"),
    "approve": _l("goedgekeurd"),
    "circulate": _l("rondgestuurd"),
    "erase": _l("gewist (GDPR)"),
    "revoke": _l("ingetrokken"),
    "import": _l("geïmporteerd"),
    "export": _l("geëxporteerd"),
    "held": _l("gehouden"),
    "send_invitations": _l("uitnodigingen verstuurd"),
    "send_reminders": _l("herinneringen verstuurd"),
    "revoke_link": _l("persoonlijke link ingetrokken"),
    "renew_link": _l("nieuwe persoonlijke link"),
    "substitute": _l("vervanger aangeduid"),
    "substitute_withdrawn": _l("vervanger teruggetrokken"),
    "answer": _l("beantwoord"),
    "attendance": _l("aanwezigheden genoteerd"),
    "guest_add": _l("gast toegevoegd"),
    "guest_remove": _l("gast verwijderd"),
    "correction": _l("correctie gestart"),
    "to_draft": _l("terug in ontwerp"),
    "start": _l("gestart"),
    "remind": _l("herinnering verstuurd"),
    "close": _l("afgesloten"),
    "apply": _l("bevestigd"),
    "resend": _l("opnieuw verstuurd"),
    "load": _l("geladen"),
    "upload": _l("opgeladen"),
    "replace": _l("vervangen"),
    "download": _l("gedownload"),
    "revoke_feed": _l("agenda-abonnement ingetrokken"),
    "renew_feed": _l("nieuw agenda-abonnement"),
}


def action_label(action: str) -> str:
    """'meeting.update' -> 'Vergadering gewijzigd'; unknown parts are shown as they are."""
    obj, _sep, verb = action.partition(".")
    obj_label = str(OBJECT_LABELS.get(obj, obj.replace("_", " ")))
    verb_label = str(VERB_LABELS.get(verb, verb.replace("_", " "))) if verb else ""
    return f"{obj_label} {verb_label}".strip()


@dataclass(frozen=True)
class AuditFilters:
    municipality_id: int | None = None
    user_id: int | None = None
    action: str = ""  # an exact action ("meeting.update") or an object prefix ("meeting")


def _platform_clause(platform_id: int) -> sa.ColumnElement[bool]:
    """Entries about the platform's municipalities, or made by its users without one, or about
    its users (also those made on the command line, which have no user)."""
    own_municipalities = sa.select(Municipality.id).where(Municipality.platform_id == platform_id)
    own_users = sa.select(User.id).where(User.platform_id == platform_id)
    return sa.or_(
        AuditEntry.municipality_id.in_(own_municipalities),
        sa.and_(AuditEntry.municipality_id.is_(None), AuditEntry.user_id.in_(own_users)),
        sa.and_(
            AuditEntry.municipality_id.is_(None),
            AuditEntry.object_type == "User",
            AuditEntry.object_id.in_(own_users),
        ),
    )


def audit_entries(
    platform_id: int, filters: AuditFilters, page: int = 1, per_page: int = ENTRIES_PER_PAGE
) -> Page[AuditEntry]:
    """The platform's audit entries matching the filters, newest first (three queries)."""
    statement = sa.select(AuditEntry).where(_platform_clause(platform_id))
    if filters.municipality_id is not None:
        statement = statement.where(AuditEntry.municipality_id == filters.municipality_id)
    if filters.user_id is not None:
        statement = statement.where(AuditEntry.user_id == filters.user_id)
    if filters.action:
        if "." in filters.action:
            statement = statement.where(AuditEntry.action == filters.action)
        else:
            statement = statement.where(
                AuditEntry.action.startswith(f"{filters.action}.", autoescape=True)
            )
    statement = statement.options(selectinload(AuditEntry.user)).order_by(
        AuditEntry.at.desc(), AuditEntry.id.desc()
    )
    return paginate(statement, page, per_page)


@dataclass(frozen=True)
class AuditFilterChoices:
    """What the audit page can filter on: the platform's municipalities and users, and the
    actions found in its trail."""

    municipalities: list[Municipality]
    users: list[User]
    actions: list[str]

    @property
    def action_prefixes(self) -> list[str]:
        """The kinds of object the actions are about ("meeting" of "meeting.update")."""
        return sorted({action.partition(".")[0] for action in self.actions})

    def municipality_id(self, slug: str) -> int | None:
        return next((m.id for m in self.municipalities if m.slug == slug), None)


def audit_filter_choices(platform_id: int) -> AuditFilterChoices:
    """The municipalities, users and actions the audit page can filter on."""
    municipalities = list(
        db.session.scalars(
            sa.select(Municipality)
            .where(Municipality.platform_id == platform_id)
            .order_by(Municipality.name)
        )
    )
    users = list(
        db.session.scalars(
            sa.select(User).where(User.platform_id == platform_id).order_by(User.name)
        )
    )
    actions = list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(_platform_clause(platform_id))
            .distinct()
            .order_by(AuditEntry.action)
        )
    )
    return AuditFilterChoices(municipalities, users, actions)


# Dutch names of the fields whose changes the audit page lists.
FIELD_LABELS = {
    "name": _l("naam"),
    "nis_code": _l("NIS-code"),
    "meetings_per_year": _l("vergaderingen per jaar"),
    "preferred_weekdays": _l("voorkeursdagen"),
    "window_start": _l("vroegste begin"),
    "window_end": _l("laatste einde"),
    "usual_location": _l("gebruikelijke locatie"),
    "min_spacing_days": _l("minimale tussentijd (dagen)"),
    "meeting_duration_minutes": _l("duur (minuten)"),
    "type_id": _l("soort"),
    "email": _l("e-mailadres"),
    "phone": _l("telefoon"),
    "website": _l("website"),
    "municipalities": _l("gemeenten"),
    "first_name": _l("voornaam"),
    "last_name": _l("familienaam"),
    "job_title": _l("functie"),
    "role": _l("rol"),
    "description": _l("omschrijving"),
    "is_mandatory": _l("verplicht onderwerp"),
    "mandatory_from_year": _l("verplicht vanaf"),
    "mandatory_until_year": _l("verplicht tot en met"),
    "active": _l("actief"),
    "sort_order": _l("volgorde"),
    "title": _l("titel"),
    "start_at": _l("begin"),
    "end_at": _l("einde"),
    "location": _l("locatie"),
    "status": _l("status"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))
