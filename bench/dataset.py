"""A synthetic platform of any size, written with bulk inserts.

`generate(Spec())` builds the benchmark platform: 300 municipalities and ten years of meetings
(about 6,000 meetings, 100,000 invitations and 3,000 contacts). Smaller specs serve the query
budget test. Rows go in with ORM bulk INSERT ... RETURNING (one statement per batch, not one per
row), so the large platform loads in seconds on SQLite and works the same on PostgreSQL.

The data is deterministic for a given spec and `now`; it is meant to have the shape of real data
(a municipality's organisations, a standing invitee list, meetings with agendas and invitations,
held ones with attendance), not to be pretty. For pretty data see overleg/demo/.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher

from overleg.auth.services import hash_password, password_hasher
from overleg.directory.reference_data import add_theme_catalogue, ensure_reference_data
from overleg.extensions import db
from overleg.meetings.services import STANDARD_AGENDA
from overleg.models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    Contact,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingStatus,
    Municipality,
    Organisation,
    OrganisationType,
    OutboxMessage,
    OutboxStatus,
    Platform,
    Role,
    RsvpStatus,
    StandingInvitee,
    Theme,
    User,
    organisation_municipality,
    user_municipality,
)

PASSWORD = "bench-password"  # noqa: S105 - synthetic accounts in a throwaway database


@dataclass(frozen=True)
class Spec:
    """The size of a generated platform. The defaults are the benchmark's large platform."""

    municipalities: int = 300
    years: int = 10  # the last of them is the coming year (planned meetings)
    meetings_per_year: int = 2
    # Own contacts per municipality (gemeente and OCMW); housing company, IGS, CAW and agency
    # staff come on top and are shared between municipalities.
    local_contacts: int = 10
    # Standing invitees per municipality, hence invitations per meeting.
    invitees: int = 17
    themes_per_meeting: int = 3
    municipalities_per_company: int = 7
    clash_group: int = 2  # this many municipalities hold their meetings at the same time
    secretary_share: float = 0.1  # the secretary's share of the municipalities
    seed: int = 1
    slug_prefix: str = "bench"

    def scaled(self, factor: int) -> Spec:
        """The same platform with `factor` times as many municipalities."""
        return replace(self, municipalities=self.municipalities * factor)


LARGE = Spec()
SLOT_HOURS = (0, 3, 6)  # the clash groups' start times in a day, after 08:00 UTC (two hours each)


@dataclass(frozen=True)
class Dataset:
    """What was generated, and the objects the page measurements use."""

    spec: Spec
    platform_id: int
    coordinator_email: str
    secretary_email: str
    reader_email: str
    password: str
    municipality_slug: str  # one of the secretary's municipalities
    municipality_name: str
    meeting_id: int  # a held meeting of that municipality with agenda and invitations
    counts: dict[str, int]


def _insert(model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (Core, so batches stay large), returning the new keys in the order of `rows`."""
    if not rows:
        return []
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(stmt, rows).scalars())


def _insert_plain(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert without reading anything back (an executemany)."""
    if rows:
        db.session.execute(table.insert(), rows)


def generate(
    spec: Spec = LARGE, *, now: datetime | None = None, hasher: PasswordHasher | None = None
) -> Dataset:
    """Write a platform of `spec`'s size into the current database and commit."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    hasher = hasher or password_hasher(time_cost=1, memory_cost=1024)
    rng = random.Random(spec.seed)
    ensure_reference_data()
    types = {t.code: t.id for t in db.session.scalars(sa.select(OrganisationType))}
    prefix = spec.slug_prefix

    (platform_id,) = _insert(
        Platform,
        [
            {
                "name": f"Benchmarkplatform {prefix}",
                "slug": f"{prefix}-platform",
                "organiser_email": f"igs@{prefix}.example.be",
            }
        ],
    )
    add_theme_catalogue(db.session.get_one(Platform, platform_id))
    theme_ids = list(
        db.session.scalars(
            sa.select(Theme.id).where(Theme.platform_id == platform_id).order_by(Theme.sort_order)
        )
    )
    muni_ids = _insert(
        Municipality,
        [
            {
                "platform_id": platform_id,
                "name": f"Gemeente {prefix} {i:03d}",
                "slug": f"{prefix}-{i:03d}",
                "meetings_per_year": spec.meetings_per_year,
                "usual_location": f"Gemeentehuis {i:03d}",
            }
            for i in range(spec.municipalities)
        ],
    )

    # Organisations: per municipality a gemeente and an OCMW; housing companies serving a few
    # municipalities each; one IGS, CAW and agency for the whole platform.
    org_rows: list[dict[str, Any]] = []
    served: list[list[int]] = []

    def org(code: str, name: str, municipalities: list[int]) -> int:
        org_rows.append(
            {
                "platform_id": platform_id,
                "type_id": types[code],
                "name": name,
                "email": f"org{len(org_rows)}@{prefix}.example.be",
            }
        )
        served.append(municipalities)
        return len(org_rows) - 1

    local_orgs = [
        (org("gemeente", f"Gemeente {prefix} {i:03d}", [m]), org("ocmw", f"OCMW {i:03d}", [m]))
        for i, m in enumerate(muni_ids)
    ]
    per_company = spec.municipalities_per_company
    companies = [
        org("woonmaatschappij", f"Woonmaatschappij {prefix} {c:02d}", muni_ids[s : s + per_company])
        for c, s in enumerate(range(0, len(muni_ids), per_company))
    ]
    igs = org("igs", f"IGS {prefix}", muni_ids)
    caw = org("caw", f"CAW {prefix}", muni_ids)
    agency = org("wonen_in_vlaanderen", f"Wonen in Vlaanderen {prefix}", muni_ids)
    fund = org("vlaams_woningfonds", f"Vlaams Woningfonds {prefix}", muni_ids)
    org_ids = _insert(Organisation, org_rows)
    _insert_plain(
        organisation_municipality,
        [
            {"organisation_id": org_ids[o], "municipality_id": m}
            for o, municipalities in enumerate(served)
            for m in municipalities
        ],
    )

    contact_rows: list[dict[str, Any]] = []

    def person(org_index: int, title: str) -> int:
        n = len(contact_rows)
        contact_rows.append(
            {
                "organisation_id": org_ids[org_index],
                "first_name": f"Voornaam{n}",
                "last_name": f"Achternaam{n}",
                "job_title": title,
                "email": f"contact{n}@{prefix}.example.be",
                "created_at": now,
            }
        )
        return n

    shared = {
        "igs": [person(igs, "Coördinator"), person(igs, "Woonconsulent")],
        "caw": [person(caw, "Woonbegeleider")],
        "agency": [person(agency, "Adviseur")],
        "fund": [person(fund, "Regiocoördinator")],
    }
    company_staff = {c: [person(c, "Woonconsulent") for _ in range(3)] for c in companies}
    local: list[list[int]] = []
    for gemeente, ocmw in local_orgs:
        own = [
            person(gemeente if k % 3 else ocmw, "Medewerker") for k in range(spec.local_contacts)
        ]
        local.append(own)
    contact_ids = _insert(Contact, contact_rows)

    # Standing invitee lists: the municipality's own people, a housing company representative,
    # the IGS staff, CAW and the agency, cut to `spec.invitees`.
    standing: list[list[tuple[int, InviteeRole]]] = []
    standing_rows = []
    for i, m in enumerate(muni_ids):
        company = companies[i // per_company]
        entries = [(local[i][0], InviteeRole.CHAIR), (shared["igs"][1], InviteeRole.SECRETARY)]
        entries += [(shared["igs"][0], InviteeRole.REQUIRED)]
        entries += [(company_staff[company][i % 3], InviteeRole.REQUIRED)]
        entries += [(company_staff[company][(i + 1) % 3], InviteeRole.OPTIONAL)]
        entries += [(c, InviteeRole.REQUIRED) for c in local[i][1:3]]
        entries += [
            (shared["caw"][0], InviteeRole.OPTIONAL),
            (shared["agency"][0], InviteeRole.OPTIONAL),
        ]
        entries += [(shared["fund"][0], InviteeRole.OPTIONAL)]
        entries += [(c, InviteeRole.OPTIONAL) for c in local[i][3:]]
        entries = entries[: spec.invitees]
        standing.append(entries)
        standing_rows += [
            {"municipality_id": m, "contact_id": contact_ids[c], "role": role}
            for c, role in entries
        ]
    _insert_plain(StandingInvitee.__table__, standing_rows)

    meeting_rows, meeting_muni = _meeting_rows(spec, muni_ids, now, rng)
    meeting_ids = _insert(Meeting, meeting_rows)

    item_rows, invitation_rows = _agenda_and_invitations(
        spec, meeting_rows, meeting_ids, meeting_muni, standing, contact_ids, theme_ids, rng
    )
    _insert_plain(AgendaItem.__table__, item_rows)
    _insert_plain(Invitation.__table__, invitation_rows)
    outbox_rows = _outbox_rows(spec, meeting_rows, meeting_ids)
    _insert_plain(OutboxMessage.__table__, outbox_rows)

    # Users: a coordinator, a secretary for a share of the municipalities, a reader for one.
    password_hash = hash_password(PASSWORD, hasher)
    emails = {
        role: f"{role.value}@{prefix}.example.be"
        for role in (Role.COORDINATOR, Role.SECRETARY, Role.READER)
    }
    user_ids = _insert(
        User,
        [
            {
                "platform_id": platform_id,
                "email": email,
                "name": f"Bench {role.value}",
                "password_hash": password_hash,
                "role": role,
                "created_at": now,
            }
            for role, email in emails.items()
        ],
    )
    secretary_munis = muni_ids[: max(1, int(len(muni_ids) * spec.secretary_share))]
    _insert_plain(
        user_municipality,
        [{"user_id": user_ids[1], "municipality_id": m} for m in secretary_munis]
        + [{"user_id": user_ids[2], "municipality_id": secretary_munis[0]}],
    )
    db.session.commit()

    target_muni = 0
    own_meetings = [
        (row["status"] is MeetingStatus.HELD, meeting_id)
        for row, meeting_id, i in zip(meeting_rows, meeting_ids, meeting_muni, strict=True)
        if i == target_muni
    ]
    return Dataset(
        spec=spec,
        platform_id=platform_id,
        coordinator_email=emails[Role.COORDINATOR],
        secretary_email=emails[Role.SECRETARY],
        reader_email=emails[Role.READER],
        password=PASSWORD,
        municipality_slug=f"{prefix}-{target_muni:03d}",
        municipality_name=f"Gemeente {prefix} {target_muni:03d}",
        meeting_id=max(own_meetings)[1],  # the last held one, or the last one
        counts={
            "municipalities": len(muni_ids),
            "organisations": len(org_ids),
            "contacts": len(contact_ids),
            "standing_invitees": len(standing_rows),
            "meetings": len(meeting_ids),
            "agenda_items": len(item_rows),
            "invitations": len(invitation_rows),
            "outbox_messages": len(outbox_rows),
        },
    )


def _clash_group_start(period_start: datetime, group: int) -> datetime:
    """When clash group `group` meets in the period from `period_start`: the municipalities of
    one group meet at the same time (their overlap warnings, through the IGS coordinator they
    share, are part of the pages measured), each group at a time of its own: three two-hour
    slots a working day, the groups one after the other. A meeting then overlaps with the other
    meetings of its group only, on a platform of 30 municipalities as on one of 300 (the day
    offsets used to wrap around after 26 groups, and seven groups met at once)."""
    weekdays, slot = divmod(group, len(SLOT_HOURS))
    day = _working_day(period_start.replace(hour=8, minute=0, second=0))
    for _ in range(weekdays):
        day = _working_day(day + timedelta(days=1))
    return day + timedelta(hours=SLOT_HOURS[slot])


def _working_day(day: datetime) -> datetime:
    """`day`, or the Monday after it when it falls in a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _meeting_rows(
    spec: Spec, muni_ids: list[int], now: datetime, rng: random.Random
) -> tuple[list[dict[str, Any]], list[int]]:
    """`meetings_per_year` a year per municipality, the last year in the future; with the index
    of each meeting's municipality."""
    first_day = now - timedelta(days=365 * (spec.years - 1))
    meeting_rows: list[dict[str, Any]] = []
    meeting_muni: list[int] = []
    spacing = 365 // spec.meetings_per_year
    for i, m in enumerate(muni_ids):
        for year in range(spec.years):
            for k in range(spec.meetings_per_year):
                start = _clash_group_start(
                    first_day + timedelta(days=year * 365 + k * spacing), i // spec.clash_group
                )
                end = start + timedelta(hours=2)
                if end <= now:
                    status = MeetingStatus.CANCELLED if rng.random() < 0.02 else MeetingStatus.HELD
                else:
                    status = MeetingStatus.PLANNED
                meeting_rows.append(
                    {
                        "municipality_id": m,
                        "title": f"Lokaal woonoverleg {i:03d} ({year + 1}.{k + 1})",
                        "start_at": start,
                        "end_at": end,
                        "location": f"Gemeentehuis {i:03d}",
                        "status": status,
                        "ical_uid": f"{spec.slug_prefix}-{len(meeting_rows)}@overleg",
                        "invitations_sent_at": start - timedelta(days=10)
                        if status is not MeetingStatus.PLANNED
                        else None,
                        "created_at": min(start - timedelta(days=60), now),
                        "updated_at": min(start - timedelta(days=10), now),
                    }
                )
                meeting_muni.append(i)
    return meeting_rows, meeting_muni


def _outbox_rows(
    spec: Spec, meeting_rows: list[dict[str, Any]], meeting_ids: list[int]
) -> list[dict[str, Any]]:
    """A sent invitation mail per meeting whose invitations went out (the outbox's pages): one,
    not one per invitee, so the large platform stays quick to load."""
    rows = []
    for n, (row, meeting_id) in enumerate(zip(meeting_rows, meeting_ids, strict=True)):
        sent_at = row["invitations_sent_at"]
        if sent_at is None:
            continue
        address = f"lid{n % 17}@{spec.slug_prefix}.example.be"
        subject = f"Uitnodiging: {row['title']}"
        rows.append(
            {
                "kind": "invitation",
                "to_address": address,
                "to_name": f"Lid {n % 17}",
                "subject": subject,
                "message_id": f"<{spec.slug_prefix}-{meeting_id}@overleg.local>",
                "raw": f"To: {address}\r\nSubject: {subject}\r\n\r\nBeste\r\n".encode(),
                "status": OutboxStatus.SENT,
                "attempts": 1,
                "next_attempt_at": sent_at,
                "last_error": "",
                "sent_at": sent_at,
                "created_at": sent_at,
                "meeting_id": meeting_id,
            }
        )
    return rows


def _agenda_and_invitations(
    spec: Spec,
    meeting_rows: list[dict[str, Any]],
    meeting_ids: list[int],
    meeting_muni: list[int],
    standing: list[list[tuple[int, InviteeRole]]],
    contact_ids: list[int],
    theme_ids: list[int],
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every meeting's agenda (the fixed items and some themes) and invitations (with answers
    and attendance where the meeting was sent or held)."""
    item_rows: list[dict[str, Any]] = []
    invitation_rows: list[dict[str, Any]] = []
    # The one standard agenda of a new meeting, its "Thema's" placeholder replaced by themes.
    themes_at = [kind for kind, _title, _minutes in STANDARD_AGENDA].index(AgendaItemKind.THEME)
    fixed, closing = STANDARD_AGENDA[:themes_at], STANDARD_AGENDA[themes_at + 1 :]
    for row, meeting_id, i in zip(meeting_rows, meeting_ids, meeting_muni, strict=True):
        chosen = rng.sample(theme_ids, k=min(spec.themes_per_meeting, len(theme_ids)))
        items = [(kind, title, minutes, None) for kind, title, minutes in fixed]
        items += [(AgendaItemKind.THEME, f"Thema {t}", 20, t) for t in chosen]
        items += [(kind, title, minutes, None) for kind, title, minutes in closing]
        item_rows += [
            {
                "meeting_id": meeting_id,
                "position": position,
                "kind": kind,
                "title": title,
                "duration_minutes": minutes,
                "theme_id": theme_id,
            }
            for position, (kind, title, minutes, theme_id) in enumerate(items)
        ]
        sent = row["status"] is not MeetingStatus.PLANNED
        held = row["status"] is MeetingStatus.HELD
        for contact, role in standing[i]:
            answer = rng.random()
            rsvp = RsvpStatus.NEEDS_ACTION
            if sent:
                rsvp = RsvpStatus.ACCEPTED if answer < 0.7 else RsvpStatus.DECLINED
            attendance = None
            if held:
                attendance = Attendance.PRESENT if answer < 0.7 else Attendance.EXCUSED
            invitation_rows.append(
                {
                    "meeting_id": meeting_id,
                    "contact_id": contact_ids[contact],
                    "role": role,
                    "rsvp_status": rsvp,
                    "sent_at": row["invitations_sent_at"],
                    "attendance": attendance,
                    "created_at": row["created_at"],
                }
            )
    return item_rows, invitation_rows
