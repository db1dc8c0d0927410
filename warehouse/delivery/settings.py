"""Delivery settings: which provider adapter sends, where to, how fast, and the quiet hours.

Read from a TOML file's ``[delivery]`` table (``--send-settings FILE``, else
``$ACTIONBOARD_SEND_SETTINGS``, else ``<warehouse stem>.delivery.toml`` beside the warehouse when
it exists, else the defaults), then overridden by command-line options. Example::

    [delivery]
    adapter = "webhook"                      # or "file"
    url = "https://push.example/v1/send"     # webhook: where batches are POSTed
    folder = "data/push-files"               # file: where CSV / JSON-lines files are written
    file_format = "csv"                      # or "jsonl"
    batch_size = 500                         # recipients per request, at most 500
    timeout_seconds = 10.0
    max_attempts = 5                         # per batch and run, on 5xx, timeouts, lost connections
    backoff_seconds = 0.5                    # first wait; doubled per attempt, at most backoff_max
    backoff_max_seconds = 30.0
    rate_per_second = 5000.0                 # messages per second, at most
    quiet_start = "21:00"                    # no push from quiet_start to quiet_end ...
    quiet_end = "08:00"
    time_zone = "UTC"                        # ... in the shop's clock
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warehouse.delivery.quiet_hours import QuietHours, check_zone, parse_clock

SETTINGS_ENV_VAR = "ACTIONBOARD_SEND_SETTINGS"
ADAPTERS = ("webhook", "file")
FILE_FORMATS = ("csv", "jsonl")
MAX_BATCH = 500  # recipients one multicast request of the common push services accepts


@dataclass(frozen=True)
class DeliverySettings:
    """How the sender delivers; ``check()`` says what is wrong."""

    adapter: str = "webhook"
    url: str | None = None
    folder: Path | None = None
    file_format: str = "csv"
    batch_size: int = MAX_BATCH
    timeout_seconds: float = 10.0
    max_attempts: int = 5
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    rate_per_second: float = 5000.0
    quiet_hours: QuietHours = field(default_factory=QuietHours)

    def check(self) -> DeliverySettings:
        """Self, or ValueError naming the first setting that is wrong."""
        if self.adapter not in ADAPTERS:
            raise ValueError(f"adapter must be one of {', '.join(ADAPTERS)}, got {self.adapter!r}")
        if self.adapter == "webhook":
            parts = urlsplit(self.url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("the webhook adapter needs an http(s) URL (setting url, or "
                                 f"--url), got {self.url!r}")
        if self.adapter == "file" and self.folder is None:
            raise ValueError("the file adapter needs a folder (setting folder, or --folder)")
        if self.file_format not in FILE_FORMATS:
            raise ValueError(f"file_format must be one of {', '.join(FILE_FORMATS)}, got "
                             f"{self.file_format!r}")
        if not isinstance(self.batch_size, int) or not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be a whole number from 1 to {MAX_BATCH}, got "
                             f"{self.batch_size!r}")
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number, at least 1, got "
                             f"{self.max_attempts!r}")
        for name in ("timeout_seconds", "rate_per_second"):
            value = getattr(self, name)
            if not _finite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name in ("backoff_seconds", "backoff_max_seconds"):
            value = getattr(self, name)
            if not _finite(value) or value < 0:
                raise ValueError(f"{name} must be a number of seconds, at least 0, got {value!r}")
        return self


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def settings_path(db: Path, path: Path | None = None) -> Path | None:
    """The settings file in use: ``path``, else ``$ACTIONBOARD_SEND_SETTINGS``, else the file
    beside warehouse ``db`` if there is one, else None (the defaults)."""
    if path is not None:
        return Path(path)
    if os.environ.get(SETTINGS_ENV_VAR):
        return Path(os.environ[SETTINGS_ENV_VAR])
    beside = Path(db).with_name(Path(db).stem + ".delivery.toml")
    return beside if beside.exists() else None


def from_mapping(values: dict[str, Any], base: DeliverySettings | None = None
                 ) -> DeliverySettings:
    """``base`` (default: the defaults) with ``values`` (a ``[delivery]`` table or options)
    applied; None values are ignored. ValueError for an unknown name or a wrong value."""
    settings = base or DeliverySettings()
    values = {name: value for name, value in values.items() if value is not None}
    quiet = settings.quiet_hours
    quiet = QuietHours(
        start=parse_clock(values.pop("quiet_start"), "quiet_start")
        if "quiet_start" in values else quiet.start,
        end=parse_clock(values.pop("quiet_end"), "quiet_end")
        if "quiet_end" in values else quiet.end,
        zone=check_zone(values.pop("time_zone")) if "time_zone" in values else quiet.zone)
    known = {f.name for f in fields(DeliverySettings)} - {"quiet_hours"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown delivery setting {unknown[0]!r}; known: "
                         f"{', '.join(sorted(known | {'quiet_start', 'quiet_end', 'time_zone'}))}")
    if "folder" in values:
        values["folder"] = Path(values["folder"])
    return replace(settings, **values, quiet_hours=quiet)


def load_settings(db: Path, path: Path | None = None, **overrides: Any) -> DeliverySettings:
    """The delivery settings for warehouse ``db`` (see the module's text), unchecked: the
    quiet hours are needed at a launch even where no adapter is configured yet."""
    found = settings_path(db, path)
    values: dict[str, Any] = {}
    if found is not None:
        try:
            with found.open("rb") as handle:
                table = tomllib.load(handle).get("delivery", {})
        except FileNotFoundError:
            raise ValueError(f"no delivery settings file at {found}") from None
        except OSError as error:
            raise ValueError(f"cannot read the delivery settings file {found}: {error}"
                             ) from None
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"the delivery settings file {found} is not valid TOML: {error}"
                             ) from None
        if not isinstance(table, dict):
            raise ValueError(f"[delivery] in {found} must be a table of settings")
        values = dict(table)
    try:
        return from_mapping(overrides, from_mapping(values))
    except (TypeError, ValueError) as error:
        where = f" (in {found})" if found is not None else ""
        raise ValueError(f"{error}{where}") from None
