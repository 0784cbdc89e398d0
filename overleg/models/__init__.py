"""The domain model, one module per aggregate. Importing this package registers every table."""

from overleg.models.audit import AuditEntry
from overleg.models.directory import (
    Contact,
    InviteeRole,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
    StandingInvitee,
    Theme,
    organisation_municipality,
)
from overleg.models.meetings import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    Invitation,
    Meeting,
    MeetingStatus,
    RsvpStatus,
    SubstituteNaming,
)
from overleg.models.minutes import (
    ActionPoint,
    ActionPointStatus,
    AgendaItemNote,
    Minutes,
    MinutesStatus,
    MinutesVersion,
)
from overleg.models.outbox import OutboxMessage, OutboxStatus
from overleg.models.polls import AvailabilityPoll, PollAnswer, PollRespondent, PollSlot
from overleg.models.users import LoginAttempt, LoginSession, Role, User, user_municipality

__all__ = [
    "ActionPoint",
    "ActionPointStatus",
    "AgendaItem",
    "AgendaItemKind",
    "AgendaItemNote",
    "Attendance",
    "AuditEntry",
    "AvailabilityPoll",
    "Contact",
    "Invitation",
    "InviteeRole",
    "LoginAttempt",
    "LoginSession",
    "Meeting",
    "MeetingStatus",
    "Minutes",
    "MinutesStatus",
    "MinutesVersion",
    "Municipality",
    "Organisation",
    "OrganisationType",
    "OutboxMessage",
    "OutboxStatus",
    "Platform",
    "PollAnswer",
    "PollRespondent",
    "PollSlot",
    "Role",
    "RsvpStatus",
    "StandingInvitee",
    "SubstituteNaming",
    "Theme",
    "User",
    "organisation_municipality",
    "user_municipality",
]
