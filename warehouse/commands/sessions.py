"""Sign-in, sessions and sign-out, with guessing slowed down.

``sign_in`` checks a name and password and opens a session: a random token for the browser's
cookie, of which the store keeps only the SHA-256, so a copy of the store signs nobody in. A
session ends at its expiry, at ``sign_out``, or when its user is removed or disabled; the role is
read from the user at every request (``session_user``), so a new role applies at once.

Failed sign-ins are kept for ``FAILURE_WINDOW``, by the name tried and by the client's address.
Beyond ``FREE_FAILURES_PER_NAME`` failures for a name (``FREE_FAILURES_PER_ADDRESS`` from an
address), the next attempt must wait 1 s after the last failure, then 2 s, 4 s, … up to
``MAX_WAIT``; an attempt made sooner is refused without its password being checked. The wait is
answered, not slept, so guessers do not hold the server's threads. Every attempt, refused or
not, is audited ('sign_in' with the name given, the outcome and the address), as is each
sign-out.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select, update

from warehouse.clock import utc_now
from warehouse.commands.audit import SIGN_IN, SIGN_OUT, record, sign_in_detail
from warehouse.commands.passwords import hash_password, needs_rehash, verify_password
from warehouse.commands.users import NAME_PATTERN
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import sessions, sign_in_failures, users

DEFAULT_SESSION_HOURS = 12.0
FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_NAME = 5
FREE_FAILURES_PER_ADDRESS = 20
MAX_WAIT = timedelta(minutes=5)
WRONG = "Wrong name or password."
MAX_TOKEN_LENGTH = 200
AUDIT_NAME_LENGTH = 64


@dataclass(frozen=True)
class SessionUser:
    """Who a session belongs to, as the store says now."""

    name: str
    role: str


@dataclass(frozen=True)
class Session:
    """A new session: the token for the cookie (shown to nobody else), its user and expiry."""

    token: str
    user: SessionUser
    expires_at: datetime


class SignInRefused(Exception):
    """A sign-in that did not open a session: ``message`` for the user, and how many seconds
    to wait before the next attempt (0 when the name or password was wrong)."""

    def __init__(self, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def wait_after(failure_times: list[datetime], free: int, now: datetime) -> float:
    """Seconds until the next attempt is allowed, given the failures within the window: none
    for the first ``free`` failures, then 2**(failures - free) seconds after the last one,
    capped at ``MAX_WAIT``."""
    if len(failure_times) < free or not failure_times:
        return 0.0
    wait = min(2.0 ** (len(failure_times) - free), MAX_WAIT.total_seconds())
    return max(0.0, (max(failure_times) - now).total_seconds() + wait)


def _failure_times(connection: Connection, column: str, value: str,
                   now: datetime) -> list[datetime]:
    return list(connection.execute(
        select(sign_in_failures.c.failed_at).where(
            sign_in_failures.c[column] == value,
            sign_in_failures.c.failed_at > now - FAILURE_WINDOW)
    ).scalars())


def _valid_name(name: object) -> bool:
    return isinstance(name, str) and NAME_PATTERN.fullmatch(name) is not None


def _audit_name(name: str) -> str:
    """The name tried, as the audit log records it (what a guesser typed can be anything)."""
    cleaned = "".join(ch for ch in str(name) if ch.isprintable()).strip()
    return cleaned[:AUDIT_NAME_LENGTH] or "(no name)"


def sign_in(
    db: Path, name: str, password: str, *, address: str, hours: float = DEFAULT_SESSION_HOURS,
    ops_url: str | None = None, now: datetime | None = None,
) -> Session:
    """Open a session of ``hours`` for ``name`` if ``password`` is theirs; SignInRefused with
    the reason (and the wait, when slowed down) otherwise. ``address`` is the client's."""
    now = now or utc_now()
    engine = ops_store(db, ops_url)
    audit_name = _audit_name(name)
    with ops_transaction(engine, readonly=True) as connection:
        wait = max(
            wait_after(_failure_times(connection, "name", audit_name, now),
                       FREE_FAILURES_PER_NAME, now),
            wait_after(_failure_times(connection, "address", address, now),
                       FREE_FAILURES_PER_ADDRESS, now),
        )
        found = None if not _valid_name(name) else connection.execute(
            select(users.c.user_id, users.c.name, users.c.role, users.c.password_hash,
                   users.c.is_disabled).where(users.c.name == name)
        ).first()
    if wait > 0:
        retry_after = math.ceil(wait)
        with ops_transaction(engine) as connection:
            record(connection, SIGN_IN, user=audit_name,
                   detail=sign_in_detail(False, "slowed down", address))
        raise SignInRefused(
            f"Too many failed sign-ins. Try again in {retry_after} seconds.", retry_after)
    matches = verify_password(None if found is None else found.password_hash, password)
    if not matches or found is None or found.is_disabled:
        reason = ("unknown user" if found is None else "disabled" if found.is_disabled and matches
                  else "wrong password")
        with ops_transaction(engine) as connection:
            connection.execute(delete(sign_in_failures)
                               .where(sign_in_failures.c.failed_at <= now - FAILURE_WINDOW))
            connection.execute(insert(sign_in_failures).values(
                name=audit_name, address=address, failed_at=now))
            record(connection, SIGN_IN, user=audit_name,
                   detail=sign_in_detail(False, reason, address))
        raise SignInRefused(WRONG)
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=hours)
    rehashed = hash_password(password) if needs_rehash(found.password_hash) else None
    with ops_transaction(engine) as connection:
        connection.execute(delete(sessions).where(sessions.c.expires_at <= now))
        connection.execute(delete(sign_in_failures).where(sign_in_failures.c.name == audit_name))
        connection.execute(insert(sessions).values(
            token_hash=token_hash(token), user_id=found.user_id, created_at=now,
            expires_at=expires_at, address=address))
        if rehashed is not None:
            connection.execute(update(users).where(users.c.user_id == found.user_id)
                               .values(password_hash=rehashed))
        record(connection, SIGN_IN, user=found.name,
               detail=sign_in_detail(True, None, address))
    return Session(token, SessionUser(found.name, found.role), expires_at)


def session_user(db: Path, token: str | None, *, ops_url: str | None = None,
                 now: datetime | None = None) -> SessionUser | None:
    """The enabled user whose unexpired session ``token`` is, or None."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utc_now()
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        row = connection.execute(
            select(users.c.name, users.c.role)
            .select_from(sessions.join(users, sessions.c.user_id == users.c.user_id))
            .where(sessions.c.token_hash == token_hash(token), sessions.c.expires_at > now,
                   users.c.is_disabled.is_(False))
        ).first()
    return None if row is None else SessionUser(row.name, row.role)


def sign_out(db: Path, token: str | None, *, ops_url: str | None = None) -> None:
    """End the session ``token`` (nothing happens for an unknown or ended one)."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return
    with ops_transaction(ops_store(db, ops_url)) as connection:
        name = connection.execute(
            select(users.c.name)
            .select_from(sessions.join(users, sessions.c.user_id == users.c.user_id))
            .where(sessions.c.token_hash == token_hash(token))
        ).scalar_one_or_none()
        connection.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))
        if name is not None:
            record(connection, SIGN_OUT, user=name)

