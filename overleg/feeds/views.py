"""The public calendar page and the iCalendar feeds (public, personal, per user).

Feeds answer with METHOD:PUBLISH and the meetings' stable UIDs, so a subscribed calendar updates
in place. Personal feeds live behind secret, revocable tokens.
"""

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
from flask_login import current_user
from werkzeug.wrappers import Response

from overleg.auth.permissions import (
    Access,
    access,
    current_account,
    get_contact,
    public_calendar_filter,
    read_as,
)
from overleg.directory import lineage
from overleg.feeds import services
from overleg.models.types import utcnow
from overleg.web.forms import ConfirmForm
from overleg.web.safety import safe_redirect_target
from overleg.web.types import ViewResponse

bp = Blueprint("feeds", __name__, url_prefix="/calendar")


def _base_url() -> str:
    return str(current_app.config.get("BASE_URL", "")).rstrip("/")


def _feed_response(data: bytes, filename: str, *, public: bool) -> Response:
    return Response(
        data,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "public, max-age=300" if public else "private, max-age=300",
            "Referrer-Policy": "no-referrer",
        },
    )


@bp.route("")
@access(Access.PUBLIC)
def index() -> ViewResponse:
    now = utcnow()
    shown = public_calendar_filter(current_user._get_current_object())
    return render_template(
        "feeds/index.html",
        meetings=services.upcoming(now, shown=shown),
        municipality=None,
        municipalities=services.municipalities(shown),
    )


@bp.route("/<slug>")
@access(Access.PUBLIC)
def municipality_page(slug: str) -> ViewResponse:
    municipality = services.municipality_by_slug(slug)
    if municipality is None:
        abort(404)
    successor = lineage.current_successor(municipality, lineage.brussels_today(utcnow()))
    if successor is not municipality:
        return redirect(url_for("feeds.municipality_page", slug=successor.slug), 308)
    feed_url = f"{_base_url()}{url_for('feeds.municipality_feed', slug=slug)}"
    return render_template(
        "feeds/index.html",
        meetings=services.upcoming(utcnow(), municipality),
        municipality=municipality,
        municipalities=[],
        feed_url=feed_url,
        webcal_url=services.webcal(feed_url),
    )


@bp.route("/<slug>.ics")
@access(Access.PUBLIC)
def municipality_feed(slug: str) -> Response:
    found = services.municipality_by_slug(slug)
    if found is None:
        abort(404)
    now = utcnow()
    # A former municipality's subscribers keep their feed: it serves the new municipality's.
    municipality = lineage.current_successor(found, lineage.brussels_today(now))
    slug = municipality.slug
    etag = services.public_version(municipality, now)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    page_url = f"{_base_url()}{url_for('feeds.municipality_page', slug=slug)}"
    data = services.public_feed(municipality, now=now, page_url=page_url)
    response = _feed_response(data, f"woonoverleg-{slug}.ics", public=True)
    response.set_etag(etag)
    return response


@bp.route("/personal/<token>.ics")
@access(Access.PUBLIC)
def contact_feed(token: str) -> Response:
    contact = services.contact_by_feed_token(token)
    if contact is None:
        abort(404)
    data = services.contact_feed(contact, now=utcnow(), base_url=_base_url())
    return _feed_response(data, "woonoverleg.ics", public=False)


@bp.route("/user/<token>.ics")
@access(Access.PUBLIC)
def user_feed(token: str) -> Response:
    user = services.user_by_feed_token(token)
    if user is None:
        abort(404)
    read_as(user)  # the agenda items of joint meetings as this user may read them
    data = services.user_feed(user, now=utcnow(), base_url=_base_url())
    return _feed_response(data, "woonoverleg.ics", public=False)


@bp.route("/subscription", methods=["GET", "POST"])
@access(Access.USER)
def subscription() -> ViewResponse:
    user = current_account()
    form = ConfirmForm()
    if form.validate_on_submit():
        services.renew_user_feed(user)
        flash(_("Uw agenda-abonnement heeft een nieuw adres; het oude werkt niet meer."), "success")
        return redirect(_back_to_subscription())
    links = services.user_feed_links(user, _base_url())
    return render_template("feeds/subscription.html", form=form, **links)


@bp.route("/subscription/revoke", methods=["POST"])
@access(Access.USER)
def subscription_revoke() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        services.revoke_user_feed(current_account())
        flash(_("Uw agenda-abonnement werkt niet meer."), "success")
    return redirect(_back_to_subscription())


def _back_to_subscription() -> str:
    """Where a form about the subscription came from (Mijn account shows it too)."""
    return safe_redirect_target(request.form.get("next")) or url_for("feeds.subscription")


@bp.route("/contacts/<int:contact_id>/revoke", methods=["POST"])
@access(Access.EDITOR)
def contact_feed_revoke(contact_id: int) -> Response:
    user = current_account()
    contact = get_contact(user, contact_id, edit=True)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.revoke_contact_feed(contact, user=user)
        flash(_("Het agenda-abonnement van %(name)s werkt niet meer.", name=contact.full_name))
    if "directory.contact" in current_app.view_functions:
        return redirect(url_for("directory.contact", contact_id=contact_id))
    return redirect(url_for("dashboard.dashboard"))
