"""SQL identifiers that code splices into statements (table, model and column names).

Values always travel as parameters; only names known to the code are spliced, and each is checked
against this pattern first, so a mistake fails loudly instead of producing odd SQL.
"""

from __future__ import annotations

import re
from typing import TypeGuard

SQL_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def is_identifier(name: object) -> TypeGuard[str]:
    """True for a plain lower-case SQL identifier (letters, digits, underscores)."""
    return isinstance(name, str) and SQL_IDENTIFIER.fullmatch(name) is not None


def check_identifier(name: object, what: str) -> str:
    """``name`` if it is a plain lower-case identifier; ValueError naming ``what`` otherwise."""
    if not is_identifier(name):
        raise ValueError(f"{what} {name!r} is not a plain lower-case SQL identifier")
    return name
