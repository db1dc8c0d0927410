"""The sign-in page and sign-out: plain Flask routes, served before any Dash page.

``GET /login`` shows the form; ``POST /login`` checks the name and password through the command
side (``warehouse.commands.sign_in``: audited, slowed down after failures) and puts the session's
token in the browser's cookie, Flask's signed session (HttpOnly, SameSite=Lax, expiring with the
session). ``POST /logout`` ends the session in the store and clears the cookie. Both forms carry
a token tied to the browser's cookie, so another site cannot sign a user in or out. After sign-in
the browser goes back to the page it asked for (``next``, a path on this server only).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta

import flask
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from dashboard.data import snapshot_reader
from dashboard.store_access import ops_url
from warehouse import commands

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
TOKEN_KEY = "token"  # flask.session: the session's token (the store knows its hash)
CSRF_KEY = "csrf"  # flask.session: what the sign-in and sign-out forms must send back
CSRF_FIELD = "csrf"
STYLESHEET = "/assets/00-bootstrap-flatly.min.css"
MAX_FIELD_LENGTH = 1024

log = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Actionboard</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body class="bg-light">
<main class="container py-5" style="max-width: 26rem">
<h1 class="h3 mb-4 text-primary">Actionboard</h1>
{message}
<form method="post" action="{action}" id="login-form" class="card card-body">
<input type="hidden" name="{csrf_field}" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<div class="mb-3">
<label class="form-label" for="login-name">Name</label>
<input class="form-control" id="login-name" name="name" autocomplete="username" required
 autofocus maxlength="64" value="{name}">
</div>
<div class="mb-3">
<label class="form-label" for="login-password">Password</label>
<input class="form-control" id="login-password" name="password" type="password"
 autocomplete="current-password" required>
</div>
<button class="btn btn-primary w-100" type="submit" id="login-submit">Sign in</button>
</form>
</main>
</body>
</html>
"""


def csrf_token() -> str:
    """This browser's form token (created on first use)."""
    token = flask.session.get(CSRF_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        flask.session[CSRF_KEY] = token
    return token


def _csrf_ok() -> bool:
    sent = flask.request.form.get(CSRF_FIELD, "")
    expected = flask.session.get(CSRF_KEY, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this server, else the home page (no open redirects)."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(ch) < 32 for ch in target)):
        return "/"
    return target


def _page(message: str = "", name: str = "", next_path: str = "/", status: int = 200,
          color: str = "danger") -> Response:
    alert = (Markup('<div class="alert alert-{}" role="alert" id="login-message">{}</div>')
             .format(color, message) if message else "")
    html = PAGE.format(stylesheet=STYLESHEET, action=LOGIN_PATH, message=alert,
                       csrf_field=CSRF_FIELD, csrf=escape(csrf_token()),
                       next=escape(next_path), name=escape(name))
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def login() -> Response:
    """``GET``: the form; ``POST``: sign in and go where the user was going."""
    request = flask.request
    next_path = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _page(next_path=next_path)
    name = request.form.get("name", "")[:MAX_FIELD_LENGTH].strip()
    password = request.form.get("password", "")[:MAX_FIELD_LENGTH]
    if not _csrf_ok():
        return _page("The form had expired. Please sign in again.", name, next_path, 400)
    if not name or not password:
        return _page("Enter your name and password.", name, next_path, 400)
    lifetime: timedelta = flask.current_app.permanent_session_lifetime
    try:
        session = commands.sign_in(
            snapshot_reader().db, name, password, address=request.remote_addr or "unknown",
            hours=lifetime.total_seconds() / 3600, ops_url=ops_url())
    except commands.SignInRefused as refused:
        response = _page(refused.message, name, next_path, 429 if refused.retry_after else 401)
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except SQLAlchemyError as error:
        log.warning("sign-in failed: the store cannot be reached", exc_info=error)
        return _page("Signing in is not possible right now: the operational store cannot be "
                     "reached. Try again shortly.", name, next_path, 503)
    flask.session.clear()  # a new session, a new form token
    flask.session.permanent = True
    flask.session[TOKEN_KEY] = session.token
    # Made now, not when the navbar first asks for it: the page's first requests run at once,
    # and a response without the token could overwrite the cookie of the one that made it.
    csrf_token()
    log.info("%s signed in", session.user.name)
    return flask.redirect(next_path, code=303)


def logout() -> Response:
    """End this browser's session and show the sign-in page."""
    if not _csrf_ok():
        return flask.redirect("/", code=303)
    token = flask.session.get(TOKEN_KEY)
    try:
        commands.sign_out(snapshot_reader().db, token, ops_url=ops_url())
    except SQLAlchemyError as error:  # the cookie is cleared all the same
        log.warning("sign-out could not reach the store", exc_info=error)
    flask.session.clear()
    return flask.redirect(LOGIN_PATH, code=303)


def install(server: flask.Flask) -> None:
    """Add the sign-in and sign-out routes to ``server``."""
    server.add_url_rule(LOGIN_PATH, "login", login, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "logout", logout, methods=["POST"])
