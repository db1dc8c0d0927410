"""Customer lists as streamed CSV downloads from Flask routes.

A page registers its download as a route on the app's server, declared with the role it needs
(``dashboard.access.requires``), and links to it; the central check (``dashboard.access.gate``)
refuses users without the role before the view runs. The view logs the export through the command
side, then answers with ``csv_response``: formula-safe CSV (``warehouse.csv_safety``) written one
batch at a time while the browser receives it, so a download of millions of customers holds a
batch in memory, not the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain

import dash
import flask
import pandas as pd
from werkzeug.wrappers import Response

from dashboard.access import requires
from warehouse.csv_safety import safe_csv_chunks

SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9._-]+\.csv")


def add_download(app: dash.Dash, rule: str, endpoint: str, role: str,
                 view: Callable[..., Response]) -> None:
    """Serve ``view`` at ``rule`` (a Flask URL rule) on ``app``'s server to users of ``role``
    and above."""
    app.server.add_url_rule(rule, endpoint, requires(role, view), methods=["GET"])


def csv_response(file_name: str, frames: Iterable[pd.DataFrame],
                 columns: Sequence[str]) -> Response:
    """A CSV attachment named ``file_name`` streamed from ``frames`` (each with ``columns``).

    The first batch is read before the answer starts, so a query that fails at once is still an
    error status, not a cut-off file."""
    if not SAFE_FILE_NAME.fullmatch(file_name):
        raise ValueError(f"unsafe download file name {file_name!r}")
    chunks = safe_csv_chunks(frames, columns)
    header = next(chunks)
    first = next(chunks, "")
    body: Iterator[str] = chain([header, first], chunks)
    response = Response((chunk.encode("utf-8") for chunk in body),
                        mimetype="text/csv", direct_passthrough=True)
    _attachment(response, file_name)
    return response


def file_response(file_name: str, content: bytes) -> Response:
    """A stored CSV file handed out as it is (a file a job wrote, already formula-safe)."""
    if not SAFE_FILE_NAME.fullmatch(file_name):
        raise ValueError(f"unsafe download file name {file_name!r}")
    response = Response(content, mimetype="text/csv")
    _attachment(response, file_name)
    return response


def _attachment(response: Response, file_name: str) -> None:
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "no-store"


def message(text: str, status: int) -> Response:
    """A short plain-text answer for a download that cannot be made."""
    response = flask.make_response(text, status)
    response.mimetype = "text/plain"
    return response
