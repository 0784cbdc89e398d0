"""Tokens of personal links are masked in every log the app writes (issue 11)."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from overleg.lib import tokens
from overleg.web.log_filters import MASK, mask_tokens


@pytest.mark.parametrize(
    "path",
    [
        "/rsvp/{t}",
        "/rsvp/{t}/vervanger",
        "/poll/{t}",
        "/calendar/personal/{t}.ics",
        "/calendar/user/{t}.ics",
        "/password/{t}",
        "/opmerkingen/{t}",
        "/opmerkingen/{t}/ontwerpverslag.pdf",
    ],
)
def test_every_personal_link_is_masked(path):
    secret = tokens.new_token()
    line = f'127.0.0.1 - - "GET {path.format(t=secret)} HTTP/1.1" 200 -'
    masked = mask_tokens(line)
    assert secret not in masked
    assert MASK in masked


def test_other_paths_are_left_alone():
    line = '"GET /meetings/12/agenda?page=2 HTTP/1.1" 200'
    assert mask_tokens(line) == line
    forgot = '"POST /password/forgot HTTP/1.1" 200'
    assert mask_tokens(forgot) == forgot


def test_the_request_log_of_the_development_server_is_masked(app: Flask, caplog):
    secret = tokens.new_token()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(
            '"%s %s %s" %s -', "GET", f"/rsvp/{secret}", "HTTP/1.1", 200
        )
    assert caplog.records, "the werkzeug logger wrote nothing"
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert f"/rsvp/{MASK}" in caplog.text
