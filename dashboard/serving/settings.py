"""What ``create_app`` needs to know about how it is served."""

from __future__ import annotations

from dataclasses import dataclass, field

from warehouse.commands import DEFAULT_SESSION_HOURS

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class ServerSettings:
    """``secret_key`` signs the session cookie; every process serving one warehouse needs the
    same one (``dashboard.serving.secret``); None gives a random key, good for one process.
    ``session_hours``: how long a sign-in lasts. ``allowed_hosts``: Host names besides the
    loopback ones that requests may carry (the bound address and ``--allowed-host``).
    ``secure_cookies``: send the cookie over HTTPS only (behind a TLS proxy)."""

    secret_key: bytes | None = None
    session_hours: float = DEFAULT_SESSION_HOURS
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    secure_cookies: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.session_hours <= 24 * 90:
            raise ValueError(f"session hours must be in (0, 2160], got {self.session_hours}")
