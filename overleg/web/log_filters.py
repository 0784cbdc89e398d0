"""Secret tokens never reach a log: personal links are logged with the token masked (issue 11).

The development server's request log (logger "werkzeug"), gunicorn's access and error logs
(when gunicorn serves the app, its loggers live in the same process) and the app's own logger
all get the filter, so a leaked log file holds no working answer, poll or feed link.
"""

from __future__ import annotations

import logging
import re

from flask import Flask

# The path prefixes whose next segment is a secret token.
TOKEN_PATHS = re.compile(
    r"(/(?:rsvp|poll|opmerkingen|calendar/personal|calendar/user|password|wachtwoord"
    r"|account/activate)/)"
    r"[A-Za-z0-9_\-]{8,}"
)
MASK = "***"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def mask_tokens(text: str) -> str:
    return TOKEN_PATHS.sub(lambda match: match.group(1) + MASK, text)


class MaskTokens(logging.Filter):
    """Rewrites the record's message with every personal-link token masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def init_app(app: Flask) -> None:
    masking = MaskTokens()
    for logger in (app.logger, *(logging.getLogger(name) for name in LOGGERS)):
        if not any(isinstance(f, MaskTokens) for f in logger.filters):
            logger.addFilter(masking)
