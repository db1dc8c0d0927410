"""No request is answered with a traceback, and no callback with HTTP 500.

The dashboard's own requests are checked before a callback runs (``dashboard.access.payload``),
and callbacks turn the problems they expect into messages on the page. A callback that still
raises was sent values it cannot use: a request the UI never makes (or a defect, which the log
shows with its traceback). It is answered 400 with a short message. Anything else that fails
is answered 500 without detail, and logged.
"""

from __future__ import annotations

import logging

import flask
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

CALLBACK_PATH = "/_dash-update-component"
CALLBACK_FAILED = ("This callback could not use the values it was sent. If you did not send "
                   "them yourself, reload the page; the error is logged.")

log = logging.getLogger("dashboard")


def _handle(error: Exception) -> Response | HTTPException:
    if isinstance(error, HTTPException):
        return error
    request = flask.request
    if request.path == CALLBACK_PATH:
        body = request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        log.warning("callback %s failed on the values sent", output, exc_info=error)
        response = flask.jsonify({"message": CALLBACK_FAILED})
        response.status_code = 400
        return response
    log.error("%s %s failed", request.method, request.path, exc_info=error)
    return InternalServerError()


def install(server: flask.Flask) -> None:
    server.register_error_handler(Exception, _handle)
