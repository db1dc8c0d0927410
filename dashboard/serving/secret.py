"""The secret key that signs session cookies, kept in a file beside the warehouse.

Every worker process must sign and check cookies with the same key, and a restart must not sign
everybody out, so the key is made once and kept: ``<db stem>.secret_key``, 32 random bytes,
readable by its owner only (0600). It is written to a temporary file and linked into place, so
two processes starting at once end up with the same complete key.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

KEY_BYTES = 32

log = logging.getLogger(__name__)


def secret_key_path(db: Path) -> Path:
    return db.with_name(db.stem + ".secret_key")


def secret_key(db: Path) -> bytes:
    """The key for warehouse ``db``, created on first use."""
    path = secret_key_path(Path(db))
    if not path.exists():
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s can be read by other users (mode %o): chmod 600 it", path, mode)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise RuntimeError(f"{path} holds no usable key ({len(key)} bytes): remove it to make "
                           "a new one (everybody will have to sign in again)")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(secrets.token_bytes(KEY_BYTES))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)  # fails if another process placed its key first
            log.info("created the session key %s", path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
