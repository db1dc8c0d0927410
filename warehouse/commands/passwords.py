"""Password hashes: Argon2id with a random salt per password (argon2-cffi).

Parameters are OWASP's recommended minimum for Argon2id (19 MiB of memory, 2 passes, one lane):
about 40 ms per hash on a busy 2-core server. argon2-cffi's defaults (64 MiB, 3 passes, 4 lanes)
took 0.4 s of both cores per sign-in there, which a crowd signing in at nine o'clock would queue
behind.

A stored hash carries its parameters, so hashes made with older parameters still verify and are
replaced at the next successful sign-in (``needs_rehash``).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1024

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the name is unknown, so that a wrong name takes as long as a wrong
# password and the answer's time does not tell which names exist.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


def check_password(password: str) -> str:
    """``password`` when it is acceptable; ValueError saying why not."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password may have at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    """The salted Argon2id hash of an acceptable ``password``."""
    return _hasher.hash(check_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (None: an unknown user, never matches, in
    the same time)."""
    try:
        return _hasher.verify(password_hash or _UNKNOWN_USER_HASH, password) and bool(
            password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password of 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)
