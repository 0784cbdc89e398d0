"""Mijn account: the password, the language, two-factor login and the personal calendar feed.

Every change is a POST with its CSRF token; a form with bad input shows the account page again,
with the message next to its field. Checks of the password or a code are throttled like the
login, and a failed one counts as a failed login (services.recheck).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from wtforms import Field

from overleg.account.forms import (
    AccountLanguageForm,
    PasswordChangeForm,
    RecoveryCodesForm,
    TwoFactorOffForm,
    TwoFactorSetUpForm,
)
from overleg.auth import accounts, services, two_factor
from overleg.auth.permissions import Access, access, current_account, two_factor_required
from overleg.auth.settings import client_address, hasher, login_policy
from overleg.dashboard.services import remember_language
from overleg.feeds.services import user_feed_links
from overleg.models import User
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.i18n import current_locale
from overleg.web.refusals import form_status, refusals_on
from overleg.web.types import ViewResponse

bp = Blueprint("account", __name__, url_prefix="/account")

SET_UP_MAX_AGE = 15 * 60  # seconds a set-up page's secret stays valid
NO_STORE = {"Cache-Control": "no-store"}


def _page(status: int = 200, **forms: Any) -> ViewResponse:
    """The account page; `forms` holds the submitted form (with its errors), the rest are new."""
    user = current_account()
    language_form = forms.get("language_form") or AccountLanguageForm(formdata=None)
    if "language_form" not in forms:
        language_form.language.data = current_locale()
    return render_template(
        "account/index.html",
        user=user,
        password_form=forms.get("password_form") or PasswordChangeForm(formdata=None),
        language_form=language_form,
        off_form=forms.get("off_form") or TwoFactorOffForm(formdata=None),
        recovery_form=forms.get("recovery_form") or RecoveryCodesForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        recovery_codes_left=two_factor.unused_recovery_codes(user),
        two_factor_required=two_factor_required(user),
        **user_feed_links(user, str(current_app.config.get("BASE_URL", "")).rstrip("/")),
    ), status


def _rechecked(user: User, field: Field, check: Callable[[], bool], wrong: str) -> bool:
    """Run a check of the password or a code; a failure goes on `field` (and is recorded)."""
    try:
        services.recheck(user, check, client_address(), login_policy(), utcnow())
    except services.LoginRefused as refused:
        if refused.reason == "throttled":
            wrong = _("Te veel mislukte pogingen. Probeer het over een kwartier opnieuw.")
        field.errors = [*field.errors, wrong]
        return False
    return True


@bp.route("")
@access(Access.USER)
def index() -> ViewResponse:
    return _page()


@bp.route("/password", methods=["POST"])
@access(Access.USER)
def change_password() -> ViewResponse:
    user = current_account()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        current = form.current_password.data or ""
        if _rechecked(
            user,
            form.current_password,
            lambda: services.verify_password(user, current, hasher()),
            _("Dit is niet je huidige wachtwoord."),
        ):
            with refusals_on(form) as outcome:
                accounts.set_password(
                    user,
                    form.password.data or "",
                    hasher=hasher(),
                    actor=user,
                    keep_token=user.session_token,
                )
            if outcome.accepted:
                flash(_("Je wachtwoord is gewijzigd. Je bent overal elders afgemeld."), "success")
                return redirect(url_for("account.index"))
    return _page(form_status(form), password_form=form)


@bp.route("/language", methods=["POST"])
@access(Access.USER)
def language() -> ViewResponse:
    user = current_account()
    form = AccountLanguageForm()
    if form.validate_on_submit():
        chosen = form.language.data or ""
        remember_language(user, chosen)
        session["locale"] = chosen
        flash(_("Je taal is bewaard."), "success")
        return redirect(url_for("account.index"))
    return _page(form_status(form), language_form=form)


# --- two-factor ---------------------------------------------------------------------------


def _sealer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="two-factor-set-up")


def _sealed(secret: str, user: User) -> str:
    return _sealer().dumps({"user": user.id, "secret": secret})


def _unsealed(sealed: str | None, user: User) -> str | None:
    """The secret a set-up page showed this user, while it is fresh."""
    try:
        value = _sealer().loads(sealed or "", max_age=SET_UP_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("user") != user.id:
        return None
    secret = value.get("secret")
    return secret if isinstance(secret, str) else None


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@bp.route("/two-factor", methods=["GET", "POST"])
@access(Access.USER, before_two_factor=True)
def two_factor_set_up() -> ViewResponse:
    """Set-up: a new secret on each page (nothing is stored until one code of it is right)."""
    user = current_account()
    if user.two_factor_enabled:
        return redirect(url_for("account.index"))
    form = TwoFactorSetUpForm()
    secret = _unsealed(form.secret.data, user) if form.is_submitted() else None
    status = 200
    if form.validate_on_submit() and secret is not None:
        with refusals_on(form) as outcome:
            codes = two_factor.switch_on(user, secret, form.code.data or "", utcnow())
        if outcome.accepted:
            return _recovery_codes_page(codes, switched_on=True)
    elif form.is_submitted():
        status = form_status(form)
        if secret is None and not form.errors.get("csrf_token"):
            form.form_errors.append(_("Deze pagina was verlopen. Scan de nieuwe QR-code."))
            form.code.data = ""
    secret = secret or two_factor.new_secret()
    form.secret.data = _sealed(secret, user)
    uri = two_factor.provisioning_uri(secret, user)
    qr = Markup(two_factor.qr_svg(uri, _("QR-code om in je app te scannen")))  # noqa: S704  # nosec B704 - drawn by segno from our own text
    body = render_template(
        "account/two_factor.html",
        form=form,
        qr=qr,
        secret=_grouped(secret),
        required=two_factor_required(user),
    )
    return body, status, NO_STORE


def _recovery_codes_page(codes: list[str], *, switched_on: bool) -> ViewResponse:
    """The recovery codes, shown this once (never stored, never cached)."""
    body = render_template("account/recovery_codes.html", codes=codes, switched_on=switched_on)
    return body, 200, NO_STORE


@bp.route("/two-factor/off", methods=["POST"])
@access(Access.USER)
def two_factor_off() -> ViewResponse:
    user = current_account()
    form = TwoFactorOffForm()
    if form.validate_on_submit():
        proof = form.off_proof.data or ""
        now = utcnow()
        if _rechecked(
            user,
            form.off_proof,
            lambda: (
                two_factor.second_factor_ok(user, proof, now)
                or services.verify_password(user, proof, hasher())
            ),
            _("Dit wachtwoord of deze code klopt niet."),
        ):
            with refusals_on(form) as outcome:
                two_factor.switch_off(user)
            if outcome.accepted:
                flash(_("Tweestapsverificatie staat uit."), "success")
                return redirect(url_for("account.index"))
    return _page(form_status(form), off_form=form)


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@access(Access.USER)
def recovery_codes() -> ViewResponse:
    user = current_account()
    form = RecoveryCodesForm()
    if form.validate_on_submit() and user.two_factor_enabled:
        code = form.renew_code.data or ""
        if _rechecked(
            user,
            form.renew_code,
            lambda: two_factor.accept_code(user, code, utcnow()),
            _("Deze code klopt niet."),
        ):
            return _recovery_codes_page(two_factor.renew_recovery_codes(user), switched_on=False)
    return _page(form_status(form), recovery_form=form)
