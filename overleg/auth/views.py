"""Login and logout; a forgotten password and the one-time links to set one."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from overleg.auth import accounts, pending, resets, services, two_factor
from overleg.auth.forms import CodeForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from overleg.auth.permissions import Access, access, current_account
from overleg.auth.resets import ResetPolicy
from overleg.auth.settings import client_address, hasher, login_policy
from overleg.extensions import login_manager
from overleg.mail.links import PERSONAL_PAGE_HEADERS
from overleg.models import AccountLink, AccountLinkPurpose, User
from overleg.models.types import utcnow
from overleg.web.forms import Form
from overleg.web.refusals import form_status, refusals_on
from overleg.web.safety import safe_redirect_target
from overleg.web.types import ViewResponse

bp = Blueprint("auth", __name__)


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the id it keeps is the login session's token."""
    return services.user_for_session(token)


login_manager.user_loader(load_user)


def _safe_next(target: str | None) -> str:
    """Only paths on this site; anything else goes to the dashboard."""
    return safe_redirect_target(target) or url_for("dashboard.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@access(Access.PUBLIC)
def login() -> ViewResponse:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data or "",
                form.password.data or "",
                client_address(),
                hasher(),
                login_policy(),
            )
        except services.LoginRefused as refused:
            status = _refused_on(form, refused)
        else:
            if user.two_factor_enabled:
                pending.hold(user, request.args.get("next"), utcnow())
                return redirect(url_for("auth.login_code"))
            return _logged_in(user, request.args.get("next"))
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 200
    return render_template("auth/login.html", form=form), status


def _refused_on(form: Form, refused: services.LoginRefused) -> int:
    """The refusal above the form; the status of the page."""
    if refused.reason == "throttled":
        form.form_errors.append(
            _("Te veel mislukte pogingen. Probeer het over een kwartier opnieuw.")
        )
        return 429
    if isinstance(form, LoginForm):
        form.form_errors.append(_("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
    else:
        form.form_errors.append(_("Deze code klopt niet."))
    return 200


def _logged_in(user: User, next_target: str | None) -> ViewResponse:
    """Open the login session (a fresh Flask session: no fixation) and go where the user was
    headed."""
    token = services.open_session(
        user, client_address(), request.user_agent.string or "", login_policy()
    )
    session.clear()
    user.session_token = token
    login_user(user)
    if user.locale:
        session["locale"] = user.locale
    return redirect(_safe_next(next_target))


@bp.route("/login/code", methods=["GET", "POST"])
@access(Access.PUBLIC)
def login_code() -> ViewResponse:
    """The second step of a login with two-factor: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(_safe_next(None))
    now = utcnow()
    user = pending.pending_user(now)
    if user is None:
        pending.drop()
        flash(_("Meld je opnieuw aan: de aanmelding duurde te lang."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        code = form.code.data or ""
        try:
            services.recheck(
                user,
                lambda: two_factor.second_factor_ok(user, code, now),
                client_address(),
                login_policy(),
                now,
            )
        except services.LoginRefused as refused:
            status = _refused_on(form, refused)
        else:
            response = _logged_in(user, pending.next_target())
            _tell_about_recovery_codes(user, now)
            return response
    elif request.method == "POST":
        status = form_status(form)
    return render_template("auth/login_code.html", form=form), status


def _tell_about_recovery_codes(user: User, now: datetime) -> None:
    """After a login with a recovery code: how many are left."""
    if any(code.used_at == now for code in user.recovery_codes):
        flash(
            _(
                "Je meldde je aan met een herstelcode. Je hebt er nog %(count)s; maak nieuwe "
                "in Mijn account als ze opraken.",
                count=two_factor.unused_recovery_codes(user),
            ),
            "warning",
        )


@bp.route("/logout", methods=["POST"])
@access(Access.USER, before_two_factor=True)
def logout() -> ViewResponse:
    token = current_account().get_id()
    if token:
        services.close_session(token)
    logout_user()
    session.clear()
    flash(_("Je bent afgemeld."), "info")
    return redirect(url_for("auth.login"))


def reset_policy() -> ResetPolicy:
    cfg = current_app.config
    return ResetPolicy(
        max_per_account=cfg["PASSWORD_RESET_MAX_PER_ACCOUNT"],
        max_per_address=cfg["PASSWORD_RESET_MAX_PER_ADDRESS"],
        window=timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@access(Access.PUBLIC)
def forgot_password() -> ViewResponse:
    """The same answer, after the same work, whether the address has an account or not
    (overleg.auth.resets)."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form), form_status(form)
    address = form.email.data or ""
    locale = str(get_locale() or "nl")
    if not resets.request_password_reset(
        address, client_address(), policy=reset_policy(), locale=locale
    ):
        form.form_errors.append(
            _(
                "Te veel aanvragen voor dit adres of van deze computer. Probeer het over een "
                "kwartier opnieuw."
            )
        )
        return render_template("auth/forgot.html", form=form), 429
    minutes = current_app.config["PASSWORD_RESET_LINK_MINUTES"]
    return render_template("auth/forgot_sent.html", email=address, minutes=minutes)


def _link_problem(state: accounts.LinkState, link: AccountLink | None) -> ViewResponse:
    """A used, expired or unknown link: say so, and offer a new one through the forgot form."""
    form = ForgotPasswordForm(formdata=None, email=link.user.email if link else None)
    status = 404 if state is accounts.LinkState.UNKNOWN else 410
    page = render_template("auth/link_problem.html", form=form, state=state.value)
    return page, status, dict(PERSONAL_PAGE_HEADERS)


@bp.route("/password/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def set_password(token: str) -> ViewResponse:
    """The one-time link of a mail: choose a password (a new account, or a forgotten one)."""
    state, link = accounts.find_link(token)
    if state is not accounts.LinkState.VALID or link is None:
        return _link_problem(state, link)
    form = SetPasswordForm()
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            accounts.set_password_with_link(token, form.password.data or "", hasher=hasher())
        if outcome.accepted:
            flash(_("Je wachtwoord is bewaard. Meld je nu aan."), "success")
            return redirect(url_for("auth.login"))
    if link.purpose is AccountLinkPurpose.SET_PASSWORD:
        title = _("Kies je wachtwoord")
    else:
        title = _("Kies een nieuw wachtwoord")
    page = render_template("auth/set_password.html", form=form, user=link.user, title=title)
    return page, form_status(form), dict(PERSONAL_PAGE_HEADERS)
