"""Municipalities, organisations, contacts, standing invitee lists and themes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__)
