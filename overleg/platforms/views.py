"""The platform settings page (coordinators) and the logo it shows."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from overleg.auth.permissions import Access, access, current_account, get_own_platform
from overleg.models import Platform
from overleg.platforms import services
from overleg.platforms.forms import PlatformSettingsForm
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse
from overleg.web.versions import conflict_shown

bp = Blueprint("platforms", __name__, url_prefix="/platform")


def _filled(platform: Platform) -> PlatformSettingsForm:
    """The settings form filled from the platform as stored, started from its version."""
    form = PlatformSettingsForm(formdata=None, obj=platform)
    form.start_from(platform.version)
    return form


def settings_from(form: PlatformSettingsForm) -> services.PlatformSettings:
    return services.PlatformSettings(
        name=form.name.data or "",
        organiser_name=form.organiser_name.data or "",
        organiser_email=form.organiser_email.data or "",
        mail_signature=form.mail_signature.data or "",
        default_location=form.default_location.data or "",
        default_start_time=form.default_start_time.data,
        default_end_time=form.default_end_time.data,
        require_two_factor_for_coordinators=bool(form.require_two_factor_for_coordinators.data),
    )


def _logo_change(form: PlatformSettingsForm) -> services.LogoChange:
    """The uploaded file (read up to one byte past the limit, so a larger one is refused
    without reading it all), or the removal, or nothing."""
    upload = form.logo.data
    if isinstance(upload, FileStorage) and upload.filename:
        limit = current_app.config["LOGO_MAX_BYTES"]
        return services.LogoChange(upload=upload.stream.read(limit + 1))
    return services.LogoChange(remove=bool(form.remove_logo.data))


@bp.route("/settings", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def settings() -> ViewResponse:
    user = current_account()
    platform = get_own_platform(user, edit=True)
    form = PlatformSettingsForm() if request.method == "POST" else _filled(platform)
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            services.update_settings(
                user,
                platform,
                settings_from(form),
                _logo_change(form),
                max_logo_bytes=current_app.config["LOGO_MAX_BYTES"],
                expected_version=form.expected_version(),
            )
        if outcome.accepted:
            flash(_("De instellingen van het platform zijn bewaard."), "success")
            return redirect(url_for("platforms.settings"))
        if conflict_shown(form, outcome, lambda: _filled(get_own_platform(user, edit=True))):
            return _page(form, get_own_platform(user)), 409
    status = 422 if form.errors or form.form_errors else 200
    return _page(form, platform), status


def _page(form: PlatformSettingsForm, platform: Platform) -> str:
    return render_template("platforms/settings.html", form=form, platform=platform)


@bp.route("/logo")
@access(Access.COORDINATOR)
def logo() -> Response:
    """The logo as stored (re-encoded on upload), for the settings page."""
    platform = get_own_platform(current_account())
    if not platform.has_logo or platform.logo is None:
        abort(404)
    return Response(
        platform.logo,
        mimetype=platform.logo_mimetype,
        headers={"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"},
    )
