"""Setting up a platform: the service without HTTP, and `flask platform create` through Click's
runner. Every platform has its own theme catalogue with the five mandatory topics."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.exceptions import NotFound

from overleg.auth.permissions import get_theme
from overleg.directory import services as directory
from overleg.directory.reference_data import THEMES, ensure_reference_data
from overleg.extensions import db
from overleg.lib.refusal import Refusal
from overleg.meetings import services as meetings
from overleg.models import AuditEntry, OrganisationType, Platform, Theme
from overleg.models.types import utcnow
from overleg.platforms import services
from tests import factories

MANDATORY = {code for code, _name, mandatory, _description in THEMES if mandatory}


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _themes(platform: Platform) -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).where(Theme.platform_id == platform.id)))


def test_a_new_platform_has_its_own_catalogue_and_a_slug_from_its_name(app):
    first = services.create_platform("Kempens Woonplatform", "wonen@iok.be")
    second = services.create_platform("Woonplatform Noord", "Noord@Example.BE")
    db.session.commit()
    assert (first.slug, second.slug) == ("kempens-woonplatform", "woonplatform-noord")
    assert first.organiser_email == "wonen@iok.be"
    assert first.organiser_name == "Kempens Woonplatform"  # the name, until the settings page
    assert second.organiser_email == "noord@example.be"  # lower case, as every address
    for platform in (first, second):
        themes = _themes(platform)
        assert {t.code for t in themes} == {code for code, *_rest in THEMES}
        assert {t.code for t in themes if t.is_mandatory} == MANDATORY
    assert not {t.id for t in _themes(first)} & {t.id for t in _themes(second)}
    assert _count(OrganisationType) > 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "platform.create"))
    assert entry is not None and entry.object_id == first.id


def test_a_name_that_makes_a_taken_slug_gets_a_number(app):
    services.create_platform("Woonplatform", "a@example.be")
    again = services.create_platform("Woonplatform!", "b@example.be")
    assert again.slug == "woonplatform-2"


@pytest.mark.parametrize(
    "name, email, field",
    [
        ("", "wonen@iok.be", "name"),
        ("   ", "wonen@iok.be", "name"),
        ("x" * 201, "wonen@iok.be", "name"),
        ("Twee\nregels", "wonen@iok.be", "name"),
        ("Kempens Woonplatform", "geen-adres", "organiser_email"),
        ("Kempens Woonplatform", "wonen@", "organiser_email"),
        ("Kempens Woonplatform", "", "organiser_email"),
    ],
)
def test_bad_input_is_refused_on_its_field(app, name, email, field):
    with pytest.raises(Refusal) as refused:
        services.create_platform(name, email)
    assert refused.value.field == field


def test_a_taken_name_is_refused_whatever_its_case(app):
    services.create_platform("Kempens Woonplatform", "wonen@iok.be")
    with pytest.raises(Refusal) as refused:
        services.create_platform("  kempens woonplatform ", "ander@iok.be")
    assert refused.value.field == "name"


def test_seed_gives_every_platform_the_missing_themes_and_leaves_the_rest_alone(app):
    platform = factories.PlatformFactory()
    kerncijfers = next(t for t in _themes(platform) if t.code == "kerncijfers")
    kerncijfers.name = "Kerncijfers"  # renamed by its coordinator
    db.session.delete(next(t for t in _themes(platform) if t.code == "energie_renovatie"))
    db.session.commit()
    ensure_reference_data()
    codes = [t.code for t in _themes(platform)]
    assert sorted(codes) == sorted(code for code, *_rest in THEMES)
    assert db.session.get(Theme, kerncijfers.id).name == "Kerncijfers"


# --- each platform its own catalogue --------------------------------------------------------


def test_the_catalogue_a_user_sees_is_their_platforms(app, world):
    mine = factories.ThemeFactory(platform=world.platform, name="Eigen thema")
    theirs = factories.ThemeFactory(platform=world.elsewhere.platform, name="Ander thema")
    for user, shown, hidden in ((world.secretary, mine, theirs), (world.outsider, theirs, mine)):
        listed = {usage.theme.id for usage in directory.theme_catalogue(user, utcnow())}
        assert shown.id in listed and hidden.id not in listed
        assert listed == {t.id for t in _themes(user.platform)}
        assert get_theme(user, shown.id).id == shown.id
        with pytest.raises(NotFound):
            get_theme(user, hidden.id)


def test_two_platforms_may_have_a_theme_of_the_same_name(app, world):
    fields = directory.ThemeFields(name="Betaalbaar wonen")
    mine = directory.create_theme(world.coordinator, fields)
    theirs = directory.create_theme(world.outsider, fields)
    assert (mine.platform_id, theirs.platform_id) == (
        world.platform.id,
        world.elsewhere.platform_id,
    )
    assert mine.code == theirs.code == "betaalbaar_wonen"
    with pytest.raises(Refusal):
        directory.create_theme(world.coordinator, directory.ThemeFields(name="betaalbaar WONEN"))


def test_an_agenda_item_takes_only_a_theme_of_its_own_platform(app, world):
    meeting = factories.MeetingFactory(municipality=world.north)
    foreign = _themes(world.elsewhere.platform)[0]
    own = _themes(world.platform)[0]
    with pytest.raises(Refusal) as refused:
        meetings.add_agenda_item(meeting, meetings.AgendaItemData(title="Punt", theme=foreign))
    assert refused.value.field == "theme"
    item = meetings.add_agenda_item(meeting, meetings.AgendaItemData(title="Punt", theme=own))
    with pytest.raises(Refusal):
        meetings.update_agenda_item(item, meetings.AgendaItemData(title="Punt", theme=foreign))


# --- the command -----------------------------------------------------------------------------


def test_the_command_prints_only_the_slug(app, runner):
    result = runner.invoke(
        args=[
            "platform",
            "create",
            "--name",
            "Kempens Woonplatform",
            "--organiser-email",
            "wonen@iok.be",
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "kempens-woonplatform\n"
    db.session.expire_all()
    platform = db.session.scalar(sa.select(Platform).where(Platform.slug == "kempens-woonplatform"))
    assert platform is not None and platform.organiser_email == "wonen@iok.be"
    assert {t.code for t in _themes(platform) if t.is_mandatory} == MANDATORY


@pytest.mark.parametrize(
    "name, email, message",
    [
        ("", "wonen@iok.be", "Geef het platform een naam."),
        ("Kempens Woonplatform", "wonen-at-iok.be", "Dit is geen geldig e-mailadres"),
        ("Bestaand platform", "wonen@iok.be", "Er bestaat al een platform met de naam"),
    ],
)
def test_the_command_refuses_bad_input_and_changes_nothing(app, runner, name, email, message):
    factories.PlatformFactory(name="Bestaand platform")
    before = (_count(Platform), _count(Theme), _count(AuditEntry))
    result = runner.invoke(args=["platform", "create", "--name", name, "--organiser-email", email])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert message in result.stderr
    db.session.expire_all()
    assert (_count(Platform), _count(Theme), _count(AuditEntry)) == before


def test_the_command_speaks_english_when_asked(app, runner):
    with force_locale("en"):
        result = runner.invoke(
            args=["platform", "create", "--name", " ", "--organiser-email", "wonen@iok.be"]
        )
    assert result.exit_code != 0
    assert "Give the platform a name." in result.stderr


def test_the_command_needs_both_options(app, runner):
    result = runner.invoke(args=["platform", "create", "--name", "Zonder adres"])
    assert result.exit_code == 2
    assert _count(Platform) == 0
