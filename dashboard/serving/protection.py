"""Requests for other host names are refused; responses carry the standard security headers.

A page on another site can make a browser send requests to a name that resolves to this server
(DNS rebinding); their Host header names that site, so requests whose Host is not one of ours
(the loopback names, the bound address, ``--allowed-host``) are answered 400 before anything
else runs.

Headers: a Content-Security-Policy that lets pages load scripts only from this server (Dash's
inline start-up scripts by their hashes), styles from this server and inline (Dash and plotly
set style attributes), and connect only here; no framing by other sites (``frame-ancestors`` and
``X-Frame-Options``); no content-type sniffing; no referrer sent to other sites.
"""

from __future__ import annotations

from collections.abc import Iterable

import dash
import flask
from werkzeug.wrappers import Response

from dashboard.serving.settings import LOOPBACK_HOSTS

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def host_name(host: str) -> str:
    """The name in a Host header, lower case, without the port (``[::1]:8050`` → ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def content_security_policy(script_hashes: Iterable[str]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def install(app: dash.Dash, allowed_hosts: Iterable[str]) -> None:
    """Refuse unknown Host headers and add the headers to every response of ``app``."""
    allowed = {host_name(h) for h in (*LOOPBACK_HOSTS, *allowed_hosts) if h}
    policy: list[str] = []  # computed at the first response, once every callback is registered

    def check_host() -> Response | None:
        if host_name(flask.request.host) in allowed:
            return None
        response = flask.jsonify({"message": "Unknown host name. Start the server with "
                                             "--allowed-host NAME to serve under it."})
        response.status_code = 400
        return response

    def add_headers(response: Response) -> Response:
        if not policy:
            policy.append(content_security_policy(app.csp_hashes()))
        response.headers.setdefault("Content-Security-Policy", policy[0])
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # First of the app's own checks: nothing else looks at a request for another host.
    app.server.before_request_funcs.setdefault(None, []).insert(0, check_host)
    app.server.after_request(add_headers)
