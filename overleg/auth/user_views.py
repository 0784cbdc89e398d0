"""The coordinators' accounts page (/users): the users of their own platform, invited, changed,
switched off and on. The rules are in overleg.auth.user_admin (and overleg.auth.accounts)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from overleg.auth import accounts, user_admin
from overleg.auth.permissions import Access, access, current_account, get_account
from overleg.auth.user_forms import (
    ROLE_LABELS,
    STATUS_LABELS,
    AssignmentForm,
    InviteUserForm,
    municipality_choices,
)
from overleg.lib.refusal import Refusal
from overleg.models import Platform, Role, User
from overleg.web.forms import ConfirmForm
from overleg.web.refusals import put_on_form, refusals_on
from overleg.web.types import ViewResponse
from overleg.web.versions import conflict_shown

bp = Blueprint("users", __name__)


@bp.app_context_processor
def account_labels() -> dict[str, Any]:
    """The Dutch names of the roles and account states, for every template."""
    return {"account_role_labels": ROLE_LABELS, "account_status_labels": STATUS_LABELS}


@bp.route("/users")
@access(Access.COORDINATOR)
def index() -> ViewResponse:
    actor = current_account()
    accounts = user_admin.platform_accounts(actor)
    return render_template(
        "users/index.html",
        accounts=[(account, user_admin.account_status(account)) for account in accounts],
    )


def _assignment_form(account: User, *, stored: bool = False) -> AssignmentForm:
    """The role-and-municipalities form with the platform's municipalities; filled from the
    account as stored on a GET (and for the conflict page, `stored`)."""
    form = AssignmentForm(formdata=None) if stored else AssignmentForm()
    municipalities = user_admin.platform_municipalities(account.platform_id)
    form.municipalities.choices = municipality_choices(municipalities)
    if stored or not form.is_submitted():
        form.fill_from(account)
    return form


def _assignment(form: AssignmentForm | InviteUserForm) -> user_admin.Assignment:
    role = form.role.data if isinstance(form.role.data, Role) else Role.READER
    return user_admin.Assignment(role, frozenset(form.municipalities.data or ()))


def _account_page(account: User, form: AssignmentForm, status: int = 200) -> ViewResponse:
    return render_template(
        "users/edit.html",
        account=account,
        status=user_admin.account_status(account),
        form=form,
    ), status


def _after_change(actor: User) -> str:
    """Back to the list; to the start page for a coordinator who just gave up the role."""
    if actor.role is Role.COORDINATOR:
        return url_for("users.index")
    return url_for("dashboard.dashboard")


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def edit(user_id: int) -> ViewResponse:
    actor = current_account()
    account = get_account(actor, user_id)
    form = _assignment_form(account)
    if form.validate_on_submit():
        with refusals_on(form) as outcome:
            changed = user_admin.change_assignment(
                actor, account, _assignment(form), expected_version=form.expected_version()
            )
        if outcome.accepted:
            if changed:
                flash(_("Rol en gemeenten van %(name)s bewaard.", name=account.name), "success")
            return redirect(_after_change(actor))
        # The refusal rolled the session back: `account` reads as stored now.
        if conflict_shown(form, outcome, lambda: _assignment_form(account, stored=True)):
            return _account_page(account, form, 409)
    return _account_page(account, form, 422 if form.errors or form.form_errors else 200)


@bp.route("/users/invite", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def invite() -> ViewResponse:
    actor = current_account()
    form = InviteUserForm()
    municipalities = user_admin.platform_municipalities(actor.platform_id)
    form.municipalities.choices = municipality_choices(municipalities)
    if form.validate_on_submit():
        invitation = user_admin.Invitation(
            name=form.name.data or "", email=form.email.data or "", assignment=_assignment(form)
        )
        with refusals_on(form) as outcome:
            invited = user_admin.invite_user(actor, invitation)
        if outcome.accepted:
            flash(
                _(
                    "%(name)s is uitgenodigd: de mail met de link om een wachtwoord te kiezen "
                    "staat in de uitgaande mail.",
                    name=invited.name,
                ),
                "success",
            )
            return redirect(url_for("users.index"))
    else:
        _check_municipalities(form, actor.platform)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("users/invite.html", form=form), status


def _check_municipalities(form: InviteUserForm, platform: Platform) -> None:
    """An invitation that failed its own checks (a malformed address) also shows the
    municipality rule of its role, so that every error comes at once, not one per attempt."""
    if not form.is_submitted() or form.role.errors or form.municipalities.errors:
        return
    try:
        user_admin.chosen_municipalities(platform, _assignment(form))
    except Refusal as refusal:
        put_on_form(form, refusal)


def _account_url(account_id: int) -> str:
    return url_for("users.edit", user_id=account_id)


@bp.route("/users/<int:user_id>/resend", methods=["POST"])
@access(Access.COORDINATOR)
def resend(user_id: int) -> ViewResponse:
    actor = current_account()
    account = get_account(actor, user_id)
    if ConfirmForm().validate_on_submit():
        with refusals_on() as outcome:
            user_admin.resend_invitation(actor, account)
        if outcome.accepted:
            flash(_("Nieuwe uitnodiging voor %(name)s staat klaar.", name=account.name), "success")
    return redirect(_account_url(user_id))


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@access(Access.COORDINATOR)
def deactivate(user_id: int) -> ViewResponse:
    """A confirmation page; its POST switches the account off and ends every session of it."""
    actor = current_account()
    account = get_account(actor, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = account.name
        with refusals_on(form) as outcome:
            accounts.deactivate_user(account, actor=actor)
        if outcome.accepted:
            flash(_("%(name)s is gedeactiveerd en overal afgemeld.", name=name), "success")
            return redirect(url_for("users.index"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("users/deactivate.html", account=account, form=form), status


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@access(Access.COORDINATOR)
def reactivate(user_id: int) -> ViewResponse:
    actor = current_account()
    account = get_account(actor, user_id)
    if ConfirmForm().validate_on_submit():
        accounts.reactivate_user(account, actor=actor)
        flash(_("%(name)s is weer actief.", name=account.name), "success")
    return redirect(_account_url(user_id))
