"""Types shared by the views."""

from __future__ import annotations

from typing import TypeAlias

from flask.typing import ResponseReturnValue

# What a view returns: a rendered page, a redirect, JSON, with or without status and headers.
ViewResponse: TypeAlias = ResponseReturnValue
