"""The Flask application class, with the request's one commit point.

A view parses, authorises, calls services and renders; services add and flush but never commit.
When the view returns normally, its changes are committed here, once, before the response is
built; a view that raises (an abort, a bug) commits nothing: the session is rolled back when it is
removed at the end of the request. A refused change is rolled back where it is caught
(overleg.web.refusals). A database that is busy at the commit answers 503 through the usual
error handler (overleg.web.errors), with nothing half written.

The idea follows Indico's request handler (one commit per request); the code is our own.
"""

from __future__ import annotations

from flask import Flask
from flask.typing import ResponseReturnValue

from overleg.extensions import db


class Application(Flask):
    def dispatch_request(self) -> ResponseReturnValue:
        response = super().dispatch_request()
        db.session.commit()
        return response
