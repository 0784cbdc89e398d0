"""Login and logout; a forgotten password and the one-time links to set one."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
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

from overleg.auth import accounts, resets, services
from overleg.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from overleg.auth.permissions import Access, access, current_account
from overleg.auth.resets import ResetPolicy
from overleg.extensions import login_manager
from overleg.mail.links import PERSONAL_PAGE_HEADERS
from overleg.models import AccountLink, AccountLinkPurpose, User
from overleg.web.refusals import form_status, refusals_on
from overleg.web.safety import safe_redirect_target
from overleg.web.types import ViewResponse

bp = Blueprint("auth", __name__)


def login_policy() -> services.LoginPolicy:
    cfg = current_app.config
    return services.LoginPolicy(
        max_failures_per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        max_failures_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        window=timedelta(minutes=cfg["LOGIN_FAILURE_WINDOW_MINUTES"]),
        session_lifetime=timedelta(hours=cfg["SESSION_LIFETIME_HOURS"]),
    )


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return services.password_hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])


def load_user(token: str) -> User | None:
    """Flask-Login's user loader: the id it keeps is the login session's token."""
    return services.user_for_session(token)


login_manager.user_loader(load_user)


def _safe_next(target: str | None) -> str:
    """Only paths on this site; anything else goes to the dashboard."""
    return safe_redirect_target(target) or url_for("dashboard.dashboard")


def client_address() -> str:
    return request.remote_addr or "unknown"


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
            status = 429 if refused.reason == "throttled" else 200
            if refused.reason == "throttled":
                form.form_errors.append(
                    _("Te veel mislukte pogingen. Probeer het over een kwartier opnieuw.")
                )
            else:
                form.form_errors.append(_("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
        else:
            token = services.open_session(
                user, client_address(), request.user_agent.string or "", login_policy()
            )
            session.clear()  # no fixation: a fresh session after login
            user.session_token = token
            login_user(user)
            if user.locale:
                session["locale"] = user.locale
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400 if form.errors.get("csrf_token") else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@access(Access.USER)
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
