"""The member's personal page of a remarks round (circulating is on the minutes overview).

/opmerkingen/<token> shows the draft (its PDF through the same token) and takes remarks until
the deadline; afterwards it says remarks are closed. A link that does not work is a 404
(overleg.minutes.remarks.find_link).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_babel import gettext as _

from overleg.auth.permissions import Access, access
from overleg.mail.links import PERSONAL_PAGE_HEADERS, opened, personal_page
from overleg.minutes import bp, remarks
from overleg.minutes.documents import minutes_pdf_filename, pdf_response
from overleg.minutes.forms import RemarkForm
from overleg.models import RemarkLink
from overleg.models.types import utcnow
from overleg.web.refusals import refusals_on
from overleg.web.types import ViewResponse


def _link(token: str) -> RemarkLink:
    return opened(remarks.find_link(token, now=utcnow()))


def _page(token: str, link: RemarkLink, form: RemarkForm, status: int = 200) -> ViewResponse:
    round_ = link.round
    return personal_page(
        "minutes/remarks.html",
        status,
        token=token,
        link=link,
        round=round_,
        meeting=round_.minutes.meeting,
        form=form,
        is_open=remarks.is_open(round_, utcnow()),
        has_pdf=round_.version_id is not None,
    )


@bp.route("/opmerkingen/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def remarks_page(token: str) -> ViewResponse:
    link = _link(token)
    form = RemarkForm()
    if not form.is_submitted():
        return _page(token, link, form)
    if not form.validate():
        return _page(token, link, form, 422)
    with refusals_on(form) as outcome:
        remarks.add_remark(link, form.text.data, now=utcnow())
    if not outcome.accepted:
        return _page(token, link, form, 422)
    flash(_("Bedankt, uw opmerking is bewaard en doorgegeven aan het secretariaat."), "success")
    return redirect(url_for("minutes.remarks_page", token=token))


@bp.route("/opmerkingen/<token>/ontwerpverslag.pdf")
@access(Access.PUBLIC)
def remarks_pdf(token: str) -> Response:
    link = _link(token)
    content = remarks.draft_pdf(link)
    if content is None:
        abort(404)
    response = pdf_response(content, minutes_pdf_filename(link.round.minutes.meeting))
    response.headers.update(PERSONAL_PAGE_HEADERS)
    return response
