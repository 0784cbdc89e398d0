"""Platform, municipalities, organisations, contacts, standing invitees and themes."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from overleg.extensions import Model, db
from overleg.models.types import UTCDateTime, enum_type, utcnow
from overleg.models.versioning import Versioned


class InviteeRole(enum.StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    CHAIR = "chair"
    SECRETARY = "secretary"


class Platform(Versioned, Model):
    """The inter-municipal housing project (IGS) that runs overleg; its coordinators edit its
    settings (overleg/platforms)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # The ORGANIZER of the invitations and the Reply-To of every mail.
    organiser_name: Mapped[str] = mapped_column(sa.String(200), default="")
    organiser_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # Where minutes go for the agency Wonen in Vlaanderen (the decree asks for it).
    agency_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # The closing lines of the mails; empty: the organiser's name and the platform's.
    mail_signature: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The logo at the top of the PDFs: PNG or JPEG bytes as re-encoded on upload; loaded only
    # when read.
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    logo_mimetype: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    # What a new meeting gets when its form leaves them blank (after the municipality's usual
    # location; before the municipality's planning window for the hours).
    default_location: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    default_start_time: Mapped[time | None] = mapped_column(sa.Time)
    default_end_time: Mapped[time | None] = mapped_column(sa.Time)
    # Coordinators must log in with a second factor; without one they set it up first.
    require_two_factor_for_coordinators: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="platform", order_by="Municipality.name"
    )
    themes: Mapped[list[Theme]] = relationship(
        back_populates="platform", order_by="Theme.sort_order"
    )

    @property
    def signature_lines(self) -> list[str]:
        """The closing lines of every mail: the signature set on the settings page, else the
        organiser's name and the platform's (once when they are the same)."""
        if self.mail_signature.strip():
            return [line.rstrip() for line in self.mail_signature.strip().splitlines()]
        return list(dict.fromkeys(n for n in (self.organiser_name.strip(), self.name) if n))

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_mimetype)


class Municipality(Versioned, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    nis_code: Mapped[str | None] = mapped_column(sa.String(5))
    meetings_per_year: Mapped[int] = mapped_column(default=2)
    # Planning preferences: ISO weekdays (1 = Monday) as "2,4", a time window, spacing.
    preferred_weekdays: Mapped[str] = mapped_column(sa.String(20), default="1,2,3,4")
    window_start: Mapped[time] = mapped_column(sa.Time, default=time(9, 0))
    window_end: Mapped[time] = mapped_column(sa.Time, default=time(17, 0))
    meeting_duration_minutes: Mapped[int] = mapped_column(default=120)
    usual_location: Mapped[str] = mapped_column(sa.String(300), default="")
    min_spacing_days: Mapped[int] = mapped_column(default=90)
    # A merger (overleg/directory/mergers.py): the municipality this one became part of on
    # `merged_on` (a Brussels date). Its history stays here and is shown under the new one.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    merged_on: Mapped[date | None] = mapped_column(sa.Date)

    platform: Mapped[Platform] = relationship(back_populates="municipalities")
    merged_into: Mapped[Municipality | None] = relationship(remote_side="Municipality.id")
    standing_invitees: Mapped[list[StandingInvitee]] = relationship(
        back_populates="municipality", cascade="all, delete-orphan"
    )
    organisations: Mapped[list[Organisation]] = relationship(
        secondary="organisation_municipality", back_populates="municipalities"
    )

    __table_args__ = (
        sa.UniqueConstraint("platform_id", "name"),
        sa.CheckConstraint("meetings_per_year BETWEEN 1 AND 12", name="meetings_per_year"),
        sa.CheckConstraint("min_spacing_days >= 0", name="min_spacing_days"),
        sa.CheckConstraint(
            "(merged_into_id IS NULL) = (merged_on IS NULL)", name="merger_complete"
        ),
        sa.CheckConstraint("merged_into_id <> id", name="not_merged_into_itself"),
    )

    @property
    def preferred_weekday_list(self) -> list[int]:
        return [int(d) for d in self.preferred_weekdays.split(",") if d.strip()]


class OrganisationType(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Social housing organisations must take part when invited (Vlaamse Codex Wonen).
    must_attend: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=100)


organisation_municipality = sa.Table(
    "organisation_municipality",
    db.metadata,
    sa.Column(
        "organisation_id",
        sa.ForeignKey("organisation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "municipality_id",
        sa.ForeignKey("municipality.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Organisation(Versioned, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation_type.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship()
    type: Mapped[OrganisationType] = relationship()
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=organisation_municipality,
        back_populates="organisations",
        order_by="Municipality.name",
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", order_by="Contact.last_name"
    )

    __table_args__ = (sa.UniqueConstraint("platform_id", "name"),)


class Contact(Versioned, Model):
    """A person who works for an organisation and may be invited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="", index=True)
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # GDPR erasure: the row stays so minutes keep their shape, the person is gone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Secret token of the personal calendar feed; None when revoked.
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class StandingInvitee(Versioned, Model):
    """A contact on a municipality's standing invitee list."""

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contact.id"), index=True)
    role: Mapped[InviteeRole] = mapped_column(
        enum_type(InviteeRole, "invitee_role"), default=InviteeRole.REQUIRED
    )

    municipality: Mapped[Municipality] = relationship(back_populates="standing_invitees")
    contact: Mapped[Contact] = relationship()

    __table_args__ = (sa.UniqueConstraint("municipality_id", "contact_id"),)


class Theme(Versioned, Model):
    """An agenda theme of one platform's catalogue; the topics of the decree are flagged
    mandatory. Every platform has its own catalogue (`directory.reference_data`).

    The list of mandatory topics changes with the law: a mandatory theme is mandatory in the
    calendar years from `mandatory_from_year` to `mandatory_until_year` (both included; None:
    no bound). `mandatory_in(year)` and `mandatory_in_year(year)` are the one reading of it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    is_mandatory: Mapped[bool] = mapped_column(default=False)
    mandatory_from_year: Mapped[int | None] = mapped_column()
    mandatory_until_year: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=100)

    platform: Mapped[Platform] = relationship(back_populates="themes")

    def mandatory_in(self, year: int) -> bool:
        """Whether this theme is on the list of mandatory topics in force in `year`."""
        return (
            self.is_mandatory
            and (self.mandatory_from_year is None or self.mandatory_from_year <= year)
            and (self.mandatory_until_year is None or year <= self.mandatory_until_year)
        )

    @classmethod
    def mandatory_in_year(cls, year: int) -> sa.ColumnElement[bool]:
        """`mandatory_in(year)` as a condition for a query."""
        return sa.and_(
            cls.is_mandatory.is_(True),
            sa.or_(cls.mandatory_from_year.is_(None), cls.mandatory_from_year <= year),
            sa.or_(cls.mandatory_until_year.is_(None), cls.mandatory_until_year >= year),
        )

    __table_args__ = (
        sa.UniqueConstraint("platform_id", "code"),
        sa.UniqueConstraint("platform_id", "name"),
    )


class ThemeInvitee(Model):
    """Someone invited because a theme is on the agenda (the CAW for homelessness, the police,
    a housing company's project staff): a contact, or every active contact of an organisation;
    for one municipality, or for all (municipality_id None). overleg.meetings.theme_invitees
    adds them to a meeting's invitees when the theme is put on its agenda and withdraws them
    when it is taken off."""

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[InviteeRole] = mapped_column(
        enum_type(InviteeRole, "theme_invitee_role"), default=InviteeRole.OPTIONAL
    )

    theme: Mapped[Theme] = relationship()
    contact: Mapped[Contact | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(contact_id IS NULL) <> (organisation_id IS NULL)", name="contact_or_organisation"
        ),
    )
