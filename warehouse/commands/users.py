"""Users and their roles: who may sign in to the dashboard and what each may do there.

Roles, each allowed what the one before it is allowed and more:

* ``viewer`` — the dashboards;
* ``analyst`` — also segment and customer exports;
* ``campaign_owner`` — also rules, launches, campaign exports and sends;
* ``admin`` — also users.

Every change is audited ('user_change', detail: ``{"change": "add" | "set_role" |
"set_password" | "remove", "name": ..., "role": ...}``) under the acting user. The store always
keeps an enabled admin: removing or demoting the last one is refused.

A new installation has no users; ``create_first_admin`` (called when the server starts) creates
``admin`` with a generated password for the console to print once. Login counts as configured
(``login_configured``) once some enabled user other than that generated admin exists, or the
admin's password has been set by a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, delete, func, insert, select, update

from warehouse.clock import utc_now
from warehouse.commands.audit import USER_CHANGE, check_user, record
from warehouse.commands.passwords import generate_password, hash_password
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import ROLES, ops_meta, users

VIEWER, ANALYST, CAMPAIGN_OWNER, ADMIN = ROLES
FIRST_ADMIN = "admin"
GENERATED_ADMIN_KEY = "generated_admin"  # ops_meta: the admin whose password the server made
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class UserError(ValueError):
    """A user command that cannot be done as asked; the message says why."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    is_disabled: bool
    created_at: datetime
    updated_at: datetime


def role_allows(role: str | None, needed: str) -> bool:
    """Whether a user of ``role`` may do what ``needed`` is required for (roles are ordered)."""
    if needed not in ROLES:
        raise ValueError(f"unknown role {needed!r}; roles are {', '.join(ROLES)}")
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def check_name(name: str) -> str:
    """A user name: 1-64 letters, digits and . _ @ -, starting with a letter or digit."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(f"invalid user name {name!r}: use 1-64 letters, digits and . _ @ -, "
                        "starting with a letter or a digit")
    return name


def _user_row(connection: Connection, name: str) -> User | None:
    row = connection.execute(
        select(users.c.name, users.c.role, users.c.is_disabled, users.c.created_at,
               users.c.updated_at).where(users.c.name == name)
    ).first()
    return None if row is None else User(*row)


def _existing(connection: Connection, name: str) -> User:
    found = _user_row(connection, name)
    if found is None:
        raise UserError(f"there is no user {name!r}")
    return found


def _admins_left_without(connection: Connection, name: str) -> int:
    return int(connection.execute(
        select(func.count()).select_from(users).where(
            users.c.role == ADMIN, users.c.is_disabled.is_(False), users.c.name != name)
    ).scalar_one())


def _forget_generated(connection: Connection, name: str) -> None:
    connection.execute(delete(ops_meta).where(ops_meta.c.key == GENERATED_ADMIN_KEY,
                                              ops_meta.c.value == name))


def add_user(db: Path, name: str, role: str, password: str, *, user: str,
             ops_url: str | None = None) -> User:
    """Create ``name`` with ``role`` and ``password``; refused if the name is taken."""
    acting = check_user(user)
    name, role = check_name(name), check_role(role)
    password_hash = hash_password(password)
    now = utc_now()
    with ops_transaction(ops_store(db, ops_url)) as connection:
        if _user_row(connection, name) is not None:
            raise UserError(f"there is already a user {name!r}")
        connection.execute(insert(users).values(
            name=name, role=role, password_hash=password_hash, created_at=now, updated_at=now,
            is_disabled=False))
        record(connection, USER_CHANGE, user=acting,
               detail={"change": "add", "name": name, "role": role})
        return _existing(connection, name)


def list_users(db: Path, *, ops_url: str | None = None) -> list[User]:
    """Every user, by name."""
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        rows = connection.execute(
            select(users.c.name, users.c.role, users.c.is_disabled, users.c.created_at,
                   users.c.updated_at).order_by(users.c.name)
        ).all()
    return [User(*row) for row in rows]


def set_role(db: Path, name: str, role: str, *, user: str, ops_url: str | None = None) -> User:
    """Give ``name`` the ``role``; the store's last admin keeps theirs."""
    acting = check_user(user)
    role = check_role(role)
    with ops_transaction(ops_store(db, ops_url)) as connection:
        current = _existing(connection, name)
        if current.role == ADMIN and role != ADMIN and not _admins_left_without(connection, name):
            raise UserError(f"{name!r} is the only admin: make another user admin first")
        connection.execute(update(users).where(users.c.name == name)
                           .values(role=role, updated_at=utc_now()))
        record(connection, USER_CHANGE, user=acting,
               detail={"change": "set_role", "name": name, "role": role,
                       "previous_role": current.role})
        return _existing(connection, name)


def set_password(db: Path, name: str, password: str, *, user: str,
                 ops_url: str | None = None) -> None:
    """Give ``name`` a new password; their open sessions stay signed in."""
    acting = check_user(user)
    password_hash = hash_password(password)
    with ops_transaction(ops_store(db, ops_url)) as connection:
        _existing(connection, name)
        connection.execute(update(users).where(users.c.name == name)
                           .values(password_hash=password_hash, updated_at=utc_now()))
        _forget_generated(connection, name)
        record(connection, USER_CHANGE, user=acting,
               detail={"change": "set_password", "name": name})


def remove_user(db: Path, name: str, *, user: str, ops_url: str | None = None) -> None:
    """Delete ``name`` and sign them out everywhere; the store's last admin stays."""
    acting = check_user(user)
    with ops_transaction(ops_store(db, ops_url)) as connection:
        current = _existing(connection, name)
        if current.role == ADMIN and not _admins_left_without(connection, name):
            raise UserError(f"{name!r} is the only admin: make another user admin first")
        connection.execute(delete(users).where(users.c.name == name))  # sessions cascade
        _forget_generated(connection, name)
        record(connection, USER_CHANGE, user=acting,
               detail={"change": "remove", "name": name, "role": current.role})


def create_first_admin(db: Path, *, user: str, ops_url: str | None = None) -> str | None:
    """On a store without users: create ``admin`` with a generated password and return the
    password (to be shown once); otherwise do nothing and return None."""
    acting = check_user(user)
    password = generate_password()
    password_hash = hash_password(password)
    now = utc_now()
    with ops_transaction(ops_store(db, ops_url)) as connection:
        if connection.execute(select(func.count()).select_from(users)).scalar_one():
            return None
        connection.execute(insert(users).values(
            name=FIRST_ADMIN, role=ADMIN, password_hash=password_hash, created_at=now,
            updated_at=now, is_disabled=False))
        connection.execute(insert(ops_meta).values(key=GENERATED_ADMIN_KEY, value=FIRST_ADMIN))
        record(connection, USER_CHANGE, user=acting,
               detail={"change": "add", "name": FIRST_ADMIN, "role": ADMIN,
                       "password": "generated"})
    return password


def login_configured(db: Path, *, ops_url: str | None = None) -> bool:
    """Whether someone set up sign-in: an enabled user exists whose password no server
    generated."""
    with ops_transaction(ops_store(db, ops_url), readonly=True) as connection:
        generated = connection.execute(
            select(ops_meta.c.value).where(ops_meta.c.key == GENERATED_ADMIN_KEY)
        ).scalar_one_or_none()
        chosen = select(func.count()).select_from(users).where(users.c.is_disabled.is_(False))
        if generated is not None:
            chosen = chosen.where(users.c.name != generated)
        return bool(connection.execute(chosen).scalar_one())
