"""Provider adapters: how a batch of queued messages reaches the push provider.

``deliver(batch)`` takes up to 500 outbox rows (message_id, campaign_id, customer_id, title,
body, deep_link, idempotency_key) and returns their outcomes; ``close()`` returns the outcomes of
what it kept back and frees its resources.

**Webhook** — one HTTP POST per batch, JSON::

    {"messages": [{"idempotency_key": "c-20260101-1:42", "campaign_id": "c-20260101-1",
                   "customer_id": "42", "title": "...", "body": "...", "deep_link": "..."}]}

A 2xx answer marks the batch sent, except the messages the answer lists as failed
(``{"failed": [{"idempotency_key": ..., "error": ...}]}``). A 5xx, a 429, a timeout or a lost
connection is retried with exponential back-off (``backoff_seconds`` doubled per attempt, at most
``backoff_max_seconds``) up to ``max_attempts``; the same keys go every time, so a provider that
got a batch whose answer was lost drops the copies. Any other 4xx marks the batch failed with
the answer: sending it again would not help.

**File** — for tools without an API: the run's messages go to one CSV (spreadsheet-safe, as the
exports) or JSON-lines file in the folder, written under a temporary name and renamed whole on
``close``; they count as sent once the file is in place.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO
from urllib.parse import urlsplit

import pandas as pd

from warehouse.clock import utc_now
from warehouse.commands.outbox import FAILED, QUEUED, SENT, Outcome
from warehouse.csv_safety import to_safe_csv
from warehouse.delivery.settings import DeliverySettings

PAYLOAD_COLUMNS = ["idempotency_key", "campaign_id", "customer_id", "title", "body", "deep_link"]
ANSWER_WIDTH = 300  # characters of an answer's body kept in the outbox
# Timeouts, refused and reset connections (OSError), answers cut off (HTTPException): retried.
TRANSIENT_ERRORS = (OSError, http.client.HTTPException)

log = logging.getLogger(__name__)


class Adapter(Protocol):
    name: str

    def deliver(self, batch: pd.DataFrame) -> list[Outcome]: ...

    def close(self) -> list[Outcome]: ...


def _ids(batch: pd.DataFrame) -> tuple[int, ...]:
    return tuple(int(i) for i in batch["message_id"])


class WebhookAdapter:
    """POSTs JSON batches to ``settings.url`` (see the module's text)."""

    name = "webhook"

    def __init__(self, settings: DeliverySettings,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        parts = urlsplit(settings.url or "")
        self._https = parts.scheme == "https"
        self._host = parts.netloc
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._sleep = sleep
        self._connection: http.client.HTTPConnection | None = None
        self.waits: list[float] = []  # the back-off waits of this adapter's retries

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._connection = kind(self._host, timeout=self.settings.timeout_seconds)
        return self._connection

    def _drop_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _post(self, body: bytes) -> tuple[int, str]:
        connection = self._connect()
        try:
            connection.request("POST", self._path, body=body, headers={
                "Content-Type": "application/json", "Content-Length": str(len(body))})
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
        except BaseException:
            self._drop_connection()
            raise
        if answer.will_close:
            self._drop_connection()
        return answer.status, text

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based)."""
        return min(self.settings.backoff_max_seconds,
                   self.settings.backoff_seconds * 2 ** (attempt - 1))

    def deliver(self, batch: pd.DataFrame) -> list[Outcome]:
        records = batch[PAYLOAD_COLUMNS].astype(object).where(batch[PAYLOAD_COLUMNS].notna(), None)
        body = json.dumps({"messages": records.to_dict("records")}).encode("utf-8")
        ids = _ids(batch)
        answer = "no attempt"
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                status, text = self._post(body)
            except TRANSIENT_ERRORS as error:
                answer = f"{type(error).__name__}: {error}"
            else:
                answer = f"HTTP {status}: {text[:ANSWER_WIDTH]}".rstrip(": ")
                if 200 <= status < 300:
                    return _accepted(batch, attempt, answer, text)
                if 400 <= status < 500 and status != 429:
                    return [Outcome(ids, FAILED, answer, attempt, utc_now())]
            log.warning("push batch of %d messages, attempt %d of %d: %s", len(ids), attempt,
                        self.settings.max_attempts, answer)
            if attempt < self.settings.max_attempts:
                self.waits.append(self.backoff(attempt))
                self._sleep(self.waits[-1])
        return [Outcome(ids, QUEUED, answer, self.settings.max_attempts, utc_now())]

    def close(self) -> list[Outcome]:
        self._drop_connection()
        return []


def _accepted(batch: pd.DataFrame, attempts: int, answer: str, text: str) -> list[Outcome]:
    """A 2xx answer's outcomes: sent, but for the messages it lists as failed."""
    failed: dict[str, str] = {}
    try:
        listed = json.loads(text).get("failed") or [] if text.strip() else []
        failed = {str(entry["idempotency_key"]): str(entry.get("error", "failed"))
                  for entry in listed}
    except (ValueError, AttributeError, TypeError, KeyError):
        pass  # an answer that is not the documented JSON: the batch was accepted
    at = utc_now()
    refused = batch["idempotency_key"].isin(list(failed))
    outcomes = [Outcome(_ids(batch[~refused]), SENT, answer, attempts, at)]
    for key, error in failed.items():
        outcomes.append(Outcome(_ids(batch[batch["idempotency_key"] == key]), FAILED,
                                f"{answer[:60]} {error}", attempts, at))
    return outcomes


class FileAdapter:
    """Writes the run's messages to one CSV or JSON-lines file (see the module's text)."""

    name = "file"

    def __init__(self, settings: DeliverySettings, stamp: str) -> None:
        if settings.folder is None:
            raise ValueError("the file adapter needs a folder")
        self.folder = Path(settings.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.format = settings.file_format
        self.path = self.folder / f"push-{stamp}.{self.format}"
        self._part = self.path.with_name(self.path.name + ".part")
        self._handle: TextIO | None = None
        self._ids: list[int] = []

    def deliver(self, batch: pd.DataFrame) -> list[Outcome]:
        rows = batch[PAYLOAD_COLUMNS]
        first = self._handle is None
        if self._handle is None:
            self._handle = self._part.open("w", encoding="utf-8", newline="")
        handle = self._handle
        if self.format == "csv":
            text = to_safe_csv(rows)
            handle.write(text if first else text.split("\r\n", 1)[1])
        else:
            handle.write(rows.to_json(orient="records", lines=True, force_ascii=False))
        self._ids.extend(_ids(batch))
        return []

    def close(self) -> list[Outcome]:
        if self._handle is None:
            return []
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._handle = None
        self._part.replace(self.path)
        ids, self._ids = tuple(self._ids), []
        return [Outcome(ids, SENT, f"written to {self.path.name}", 1, utc_now())]


def make_adapter(settings: DeliverySettings, stamp: str,
                 sleep: Callable[[float], None] = time.sleep) -> Adapter:
    """The adapter ``settings`` names, checked."""
    settings.check()
    if settings.adapter == "file":
        return FileAdapter(settings, stamp)
    return WebhookAdapter(settings, sleep)
