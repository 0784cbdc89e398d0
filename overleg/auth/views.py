"""Login and logout."""

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
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from overleg.auth import services
from overleg.auth.forms import LoginForm
from overleg.auth.permissions import Access, access, current_account
from overleg.extensions import login_manager
from overleg.models import User
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
