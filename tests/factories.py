"""factory_boy factories for the domain model (cookiecutter-flask style)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from overleg.auth.services import hash_password, password_hasher
from overleg.directory.reference_data import add_theme_catalogue
from overleg.extensions import db
from overleg.models import (
    AgendaItem,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    OrganisationType,
    Platform,
    Role,
    StandingInvitee,
    Theme,
    User,
)

TEST_PASSWORD = "correct horse battery staple"
_HASHER = password_hasher(time_cost=1, memory_cost=1024)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class PlatformFactory(BaseFactory):
    class Meta:
        model = Platform

    name = factory.Sequence(lambda n: f"Woonplatform {n}")
    slug = factory.Sequence(lambda n: f"woonplatform-{n}")
    organiser_name = "Coördinator woonoverleg"
    organiser_email = factory.Sequence(lambda n: f"coordinator{n}@example.be")
    agency_email = "woonoverleg@wonen-in-vlaanderen.example.be"

    @factory.post_generation
    def catalogue(obj: Platform, create: bool, extracted: object, **kwargs: object) -> None:
        """Every platform has its own theme catalogue, as `flask platform create` gives it."""
        if create:
            add_theme_catalogue(obj)
            db.session.commit()


class MunicipalityFactory(BaseFactory):
    class Meta:
        model = Municipality

    platform = factory.SubFactory(PlatformFactory)
    name = factory.Sequence(lambda n: f"Gemeente {n}")
    slug = factory.Sequence(lambda n: f"gemeente-{n}")
    usual_location = "Gemeentehuis, raadzaal"


def organisation_type(code: str = "woonmaatschappij") -> OrganisationType:
    """The seeded organisation type with this code (reference data is loaded in every test)."""
    return db.session.query(OrganisationType).filter_by(code=code).one()


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    platform = factory.SubFactory(PlatformFactory)
    type = factory.LazyFunction(organisation_type)
    name = factory.Sequence(lambda n: f"Woonmaatschappij {n}")
    email = factory.Sequence(lambda n: f"info{n}@woonmaatschappij.example.be")


class ContactFactory(BaseFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = factory.Sequence(lambda n: f"An{n}")
    last_name = factory.Sequence(lambda n: f"Peeters{n}")
    email = factory.Sequence(lambda n: f"an{n}@example.be")


class StandingInviteeFactory(BaseFactory):
    class Meta:
        model = StandingInvitee

    municipality = factory.SubFactory(MunicipalityFactory)
    contact = factory.SubFactory(ContactFactory)
    role = InviteeRole.REQUIRED


def _next_month() -> datetime:
    return (datetime.now(UTC) + timedelta(days=30)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )


class MeetingFactory(BaseFactory):
    class Meta:
        model = Meeting

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.LazyAttribute(lambda o: f"Lokaal woonoverleg {o.municipality.name}")
    start_at = factory.LazyFunction(_next_month)
    end_at = factory.LazyAttribute(lambda o: o.start_at + timedelta(hours=2))
    location = "Gemeentehuis, raadzaal"
    status = MeetingStatus.PLANNED


class AgendaItemFactory(BaseFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Agendapunt {n}")
    duration_minutes = 15


class InvitationFactory(BaseFactory):
    class Meta:
        model = Invitation

    meeting = factory.SubFactory(MeetingFactory)
    contact = factory.SubFactory(ContactFactory)
    role = InviteeRole.REQUIRED


class UserFactory(BaseFactory):
    class Meta:
        model = User

    platform = factory.SubFactory(PlatformFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.be")
    name = factory.Sequence(lambda n: f"Gebruiker {n}")
    password_hash = factory.LazyFunction(lambda: hash_password(TEST_PASSWORD, _HASHER))
    role = Role.COORDINATOR

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if extracted:
            self.municipalities.extend(extracted)
            if create:
                db.session.commit()


# --- minutes (issue 4) ---------------------------------------------------------------------
from overleg.models import (  # noqa: E402
    ActionPoint,
    ActionPointStatus,
    Minutes,
    MinutesStatus,
    MinutesVersion,
)


def _last_month() -> datetime:
    return (datetime.now(UTC) - timedelta(days=30)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )


class HeldMeetingFactory(MeetingFactory):
    """A meeting that took place last month."""

    start_at = factory.LazyFunction(_last_month)
    status = MeetingStatus.HELD


class GuestInvitationFactory(InvitationFactory):
    """Someone present at a meeting without an invitation."""

    contact = None
    is_guest = True
    guest_name = factory.Sequence(lambda n: f"Gast {n}")
    guest_organisation = "Huurdersbond"


class MinutesFactory(BaseFactory):
    class Meta:
        model = Minutes

    meeting = factory.SubFactory(HeldMeetingFactory)
    status = MinutesStatus.DRAFT


class MinutesVersionFactory(BaseFactory):
    class Meta:
        model = MinutesVersion

    minutes = factory.SubFactory(MinutesFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = MinutesStatus.APPROVED
    pdf = b"%PDF-1.7\n% test\n%%EOF\n"
    sha256 = factory.LazyAttribute(lambda o: __import__("hashlib").sha256(o.pdf).hexdigest())


class ActionPointFactory(BaseFactory):
    class Meta:
        model = ActionPoint

    meeting = factory.SubFactory(HeldMeetingFactory)
    municipality_id = factory.LazyAttribute(lambda o: o.meeting.municipality_id)
    description = factory.Sequence(lambda n: f"Actiepunt {n}")
    status = ActionPointStatus.OPEN


class ThemeFactory(BaseFactory):
    class Meta:
        model = Theme

    platform = factory.SubFactory(PlatformFactory)
    code = factory.Sequence(lambda n: f"thema_{n}")
    name = factory.Sequence(lambda n: f"Thema {n}")
    description = ""
    is_mandatory = False
    active = True
    sort_order = 500


def organisation_serving(*municipalities: Municipality, **kwargs) -> Organisation:  # type: ignore[no-untyped-def]
    """An organisation of the first municipality's platform that serves these municipalities."""
    organisation = OrganisationFactory(platform=municipalities[0].platform, **kwargs)
    organisation.municipalities.extend(municipalities)
    db.session.commit()
    return organisation


# --- invitations and outbox (issue 3) ---------------------------------------------------------


def invitation_with_link(**kwargs):  # type: ignore[no-untyped-def]
    """An invitation that was sent: it has a personal answer link (token)."""
    from overleg.lib.tokens import new_token
    from overleg.models.types import utcnow

    kwargs.setdefault("token", new_token())
    kwargs.setdefault("sent_at", utcnow())
    return InvitationFactory(**kwargs)


def outbox_message(meeting, *, to_address: str = "an@example.be", **kwargs):  # type: ignore[no-untyped-def]
    """A queued outbox row about `meeting`: a real message with text, HTML and an .ics."""
    from overleg.mail import outbox
    from overleg.mail.messages import Attachment, Sender, build_message

    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    message = build_message(
        sender=Sender("overleg@example.be", "Coördinator"),
        to_address=to_address,
        to_name="An Peeters",
        subject=f"Uitnodiging: {meeting.title}",
        text="Beste An",
        html="<p>Beste An</p>",
        calendar=ics,
        calendar_method="REQUEST",
        attachments=[Attachment("uitnodiging.ics", ics, "text/calendar")],
    )
    row = outbox.enqueue(
        message, kind="invitation", to_address=to_address, meeting_id=meeting.id, **kwargs
    )
    db.session.commit()
    return row


def availability_poll(municipality, *, year: int = 2027):  # type: ignore[no-untyped-def]
    """An open poll of the municipality's platform: one slot, one respondent with a link."""
    from overleg.lib.tokens import new_token
    from overleg.models import AvailabilityPoll, PollRespondent, PollSlot

    contact = ContactFactory(organisation=organisation_serving(municipality))
    StandingInviteeFactory(municipality=municipality, contact=contact)
    start = datetime(year, 3, 2, 9, tzinfo=UTC)
    poll = AvailabilityPoll(platform=municipality.platform, year=year)
    poll.slots.append(
        PollSlot(municipality=municipality, start_at=start, end_at=start + timedelta(hours=2))
    )
    poll.respondents.append(PollRespondent(contact=contact, token=new_token()))
    db.session.add(poll)
    db.session.commit()
    return poll


def counter_proposal(meeting, **kwargs):  # type: ignore[no-untyped-def]
    """A pending new time proposed from an invitee's calendar, a day after the meeting's time."""
    from overleg.models import CounterProposal

    invitation = kwargs.pop("invitation", None) or invitation_with_link(meeting=meeting)
    kwargs.setdefault("start_at", meeting.start_at + timedelta(days=1))
    kwargs.setdefault("end_at", kwargs["start_at"] + timedelta(hours=2))
    kwargs.setdefault("sequence", meeting.ical_sequence)
    proposal = CounterProposal(meeting=meeting, invitation=invitation, **kwargs)
    db.session.add(proposal)
    db.session.commit()
    return proposal


def rejected_reply(platform, **kwargs):  # type: ignore[no-untyped-def]
    """A calendar answer set aside for the platform's coordinators."""
    from overleg.models import RejectedReply

    kwargs.setdefault("reason", "unknown_uid")
    kwargs.setdefault("sender", "an@example.be")
    row = RejectedReply(platform_id=platform.id, **kwargs)
    db.session.add(row)
    db.session.commit()
    return row


def with_logo(platform: Platform) -> Platform:
    """The platform with a small PNG logo, as the settings page stores one."""
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (30, 10), (0, 90, 160)).save(out, format="PNG")
    platform.logo, platform.logo_mimetype = out.getvalue(), "image/png"
    db.session.commit()
    return platform


def remark_link(municipality, *, remarks_until=None):  # type: ignore[no-untyped-def]
    """A member's working link to send remarks on circulated draft minutes of a held meeting of
    `municipality` (overleg.minutes.remarks): the link row and its token (only its hash is
    stored), as `.link` and `.token`."""
    from types import SimpleNamespace

    from overleg.lib import tokens
    from overleg.minutes import remarks
    from overleg.models import RemarkLink, RemarksRound
    from overleg.models.types import utcnow

    version = MinutesVersionFactory(
        minutes=MinutesFactory(
            meeting=HeldMeetingFactory(municipality=municipality), status=MinutesStatus.CIRCULATED
        ),
        status=MinutesStatus.CIRCULATED,
    )
    until = remarks_until or remarks.default_deadline(utcnow())
    invitation = InvitationFactory(meeting=version.minutes.meeting)
    token = tokens.new_token()
    link = RemarkLink(
        round=RemarksRound(minutes=version.minutes, version=version, remarks_until=until),
        invitation_id=invitation.id,
        contact_id=invitation.contact_id,
        name=invitation.contact.full_name,
        token_hash=tokens.digest(token),
        expires_at=remarks.closes_at(until) + timedelta(days=remarks.LINK_DAYS_AFTER),
    )
    db.session.add(link)
    db.session.commit()
    return SimpleNamespace(link=link, token=token)


def document(meeting, *, filename="nota.pdf", content=None, agenda_item=None, title=""):  # type: ignore[no-untyped-def]
    """A document (version 1) on `meeting` or one of its agenda items; committed."""
    from overleg.documents import services
    from overleg.models.types import utcnow
    from tests.support.documents import TINY_PDF

    [added] = services.add_documents(
        meeting,
        [services.Upload(filename, TINY_PDF if content is None else content)],
        agenda_item=agenda_item,
        title=title,
        user=None,
        now=utcnow(),
        settings=services.DocumentSettings(),
    )
    db.session.commit()
    return added


def joint_meeting(host: Municipality, *partners: Municipality, **kwargs) -> Meeting:  # type: ignore[no-untyped-def]
    """A joint meeting (issue 16) of `host` with `partners`, or with a new municipality of the
    host's platform."""
    if not partners:
        partner = MunicipalityFactory(platform=host.platform)
        # As every municipality of the tests' world: one required standing invitee (the
        # planner refuses to plan a municipality without).
        StandingInviteeFactory(
            municipality=partner,
            contact=ContactFactory(organisation=organisation_serving(partner)),
            role=InviteeRole.REQUIRED,
        )
        partners = (partner,)
    meeting = MeetingFactory(municipality=host, **kwargs)
    meeting.partners.extend(partners)
    return meeting
