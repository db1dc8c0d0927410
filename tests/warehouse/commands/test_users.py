"""Users: added, listed, given roles and passwords, removed, every change audited under the
acting user; the last admin cannot go; the first start's admin (both backends)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.ops_store import StoreCase
from warehouse.commands import (
    UserError,
    add_user,
    audit_log,
    create_first_admin,
    list_users,
    login_configured,
    remove_user,
    role_allows,
    set_password,
    set_role,
    sign_in,
)
from warehouse.commands.passwords import verify_password
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import users


def _hash(store: StoreCase, name: str) -> str:
    with ops_transaction(ops_store(store.db, store.url), readonly=True) as connection:
        return connection.execute(
            select(users.c.password_hash).where(users.c.name == name)).scalar_one()


def _changes(store: StoreCase) -> list[tuple[str, dict]]:
    log = audit_log(store.db, ops_url=store.url)
    rows = log[log["event"] == "user_change"].iloc[::-1]
    return [(row.user_name, json.loads(row.detail)) for row in rows.itertuples()]


def test_users_are_added_listed_changed_and_removed_with_every_change_audited(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    add_user(db, "ana", "analyst", "correct horse", user="cli", ops_url=url)
    added = add_user(db, "olga", "campaign_owner", "battery staple", user="ana", ops_url=url)
    assert (added.name, added.role, added.is_disabled) == ("olga", "campaign_owner", False)
    assert [(u.name, u.role) for u in list_users(db, ops_url=url)] == [
        ("ana", "analyst"), ("olga", "campaign_owner")]

    assert set_role(db, "ana", "viewer", user="cli", ops_url=url).role == "viewer"
    set_password(db, "olga", "a new secret", user="olga", ops_url=url)
    remove_user(db, "ana", user="cli", ops_url=url)
    assert [u.name for u in list_users(db, ops_url=url)] == ["olga"]
    assert _changes(store) == [
        ("cli", {"change": "add", "name": "ana", "role": "analyst"}),
        ("ana", {"change": "add", "name": "olga", "role": "campaign_owner"}),
        ("cli", {"change": "set_role", "name": "ana", "role": "viewer",
                 "previous_role": "analyst"}),
        ("olga", {"change": "set_password", "name": "olga"}),
        ("cli", {"change": "remove", "name": "ana", "role": "viewer"}),
    ]


def test_passwords_are_stored_as_salted_argon2id_hashes(store: StoreCase) -> None:
    add_user(store.db, "ana", "viewer", "same password", user="cli", ops_url=store.url)
    add_user(store.db, "bob", "viewer", "same password", user="cli", ops_url=store.url)
    first, second = _hash(store, "ana"), _hash(store, "bob")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # a salt of its own each
    assert "same password" not in first
    assert verify_password(first, "same password")
    assert not verify_password(first, "Same password")


@pytest.mark.parametrize(("call", "message"), [
    (lambda db, url: add_user(db, "ana", "viewer", "long enough", user="cli", ops_url=url),
     "already a user 'ana'"),
    (lambda db, url: add_user(db, "bob", "owner", "long enough", user="cli", ops_url=url),
     "unknown role 'owner'"),
    (lambda db, url: add_user(db, "bob", "viewer", "short", user="cli", ops_url=url),
     "at least 8 characters"),
    (lambda db, url: add_user(db, "b b", "viewer", "long enough", user="cli", ops_url=url),
     "invalid user name 'b b'"),
    (lambda db, url: add_user(db, "=cmd", "viewer", "long enough", user="cli", ops_url=url),
     "invalid user name"),
    (lambda db, url: set_role(db, "nobody", "viewer", user="cli", ops_url=url),
     "no user 'nobody'"),
    (lambda db, url: remove_user(db, "nobody", user="cli", ops_url=url), "no user 'nobody'"),
    (lambda db, url: set_password(db, "nobody", "long enough", user="cli", ops_url=url),
     "no user 'nobody'"),
])
def test_impossible_changes_are_refused_with_the_reason_and_change_nothing(
    store: StoreCase, call, message: str,
) -> None:
    add_user(store.db, "ana", "viewer", "long enough", user="cli", ops_url=store.url)
    with pytest.raises(ValueError, match=message):
        call(store.db, store.url)
    assert [(u.name, u.role) for u in list_users(store.db, ops_url=store.url)] == [
        ("ana", "viewer")]
    assert len(_changes(store)) == 1


def test_the_last_admin_can_be_neither_demoted_nor_removed(store: StoreCase) -> None:
    db, url = store.db, store.url
    add_user(db, "root", "admin", "long enough", user="cli", ops_url=url)
    with pytest.raises(UserError, match="only admin"):
        set_role(db, "root", "viewer", user="cli", ops_url=url)
    with pytest.raises(UserError, match="only admin"):
        remove_user(db, "root", user="cli", ops_url=url)
    add_user(db, "second", "admin", "long enough", user="root", ops_url=url)
    set_role(db, "root", "analyst", user="second", ops_url=url)
    assert {u.name: u.role for u in list_users(db, ops_url=url)} == {
        "root": "analyst", "second": "admin"}


def test_the_first_start_creates_one_admin_whose_password_signs_in(store: StoreCase) -> None:
    db, url = store.db, store.url
    assert not login_configured(db, ops_url=url)
    password = create_first_admin(db, user="cli", ops_url=url)
    assert password is not None and len(password) == 20
    assert create_first_admin(db, user="cli", ops_url=url) is None  # once only
    assert [(u.name, u.role) for u in list_users(db, ops_url=url)] == [("admin", "admin")]
    assert sign_in(db, "admin", password, address="127.0.0.1", ops_url=url).user.role == "admin"
    assert not login_configured(db, ops_url=url)  # nobody chose a password yet


def test_login_counts_as_configured_once_a_person_adds_a_user_or_sets_a_password(
    store: StoreCase,
) -> None:
    db, url = store.db, store.url
    create_first_admin(db, user="cli", ops_url=url)
    add_user(db, "ana", "viewer", "long enough", user="admin", ops_url=url)
    assert login_configured(db, ops_url=url)
    remove_user(db, "ana", user="admin", ops_url=url)
    assert not login_configured(db, ops_url=url)
    set_password(db, "admin", "chosen by a person", user="admin", ops_url=url)
    assert login_configured(db, ops_url=url)


@pytest.mark.parametrize(("role", "needed", "allowed"), [
    ("viewer", "viewer", True), ("viewer", "analyst", False),
    ("analyst", "analyst", True), ("analyst", "campaign_owner", False),
    ("campaign_owner", "analyst", True), ("campaign_owner", "admin", False),
    ("admin", "campaign_owner", True), (None, "viewer", False), ("root", "viewer", False),
])
def test_each_role_is_allowed_what_the_roles_below_it_are(role, needed, allowed) -> None:
    assert role_allows(role, needed) is allowed
