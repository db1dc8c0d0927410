"""A dashboard served by ``python app.py serve`` in its own process, reached over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from bench.dash_client import form_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait_for_health(url: str, server: subprocess.Popen, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited early"
        try:
            return get_json(url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url} within {seconds} s")


def signed_in_opener(base: str, name: str, password: str) -> urllib.request.OpenerDirector:
    """A urllib client (with cookies) signed in through the sign-in form."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(f"{base}/login", timeout=10) as page:
        token = form_token(page.read().decode())
    form = urllib.parse.urlencode({"name": name, "password": password, "csrf": token,
                                   "next": "/"}).encode()
    with opener.open(f"{base}/login", data=form, timeout=10) as answer:
        assert answer.url == f"{base}/"  # redirected home, not back to the form
    return opener
