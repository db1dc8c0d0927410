"""Sign-in opens a session the store can resolve until it expires, is signed out or its user goes;
failed sign-ins slow the next attempts down by name and by address; every attempt and sign-out
is audited (both backends)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.ops_store import StoreCase
from warehouse.commands import (
    SignInRefused,
    add_user,
    audit_log,
    remove_user,
    session_user,
    set_role,
    sign_in,
    sign_out,
)
from warehouse.commands.sessions import (
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_NAME,
    MAX_WAIT,
    token_hash,
    wait_after,
)
from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import sessions

T0 = datetime(2026, 3, 2, 9, 0, 0)
HOME = "10.0.0.1"


def _sign_ins(store: StoreCase) -> list[tuple[str, dict]]:
    log = audit_log(store.db, ops_url=store.url)
    rows = log[log["event"].isin(["sign_in", "sign_out"])].iloc[::-1]
    return [(row.user_name, row.event, json.loads(row.detail) if row.detail else None)
            for row in rows.itertuples()]


@pytest.fixture
def ana(store: StoreCase) -> StoreCase:
    add_user(store.db, "ana", "analyst", "correct horse", user="cli", ops_url=store.url)
    return store


def test_a_session_resolves_to_its_user_until_it_expires(ana: StoreCase) -> None:
    db, url = ana.db, ana.url
    session = sign_in(db, "ana", "correct horse", address=HOME, hours=2, ops_url=url, now=T0)
    assert (session.user.name, session.user.role, session.expires_at) == (
        "ana", "analyst", T0 + timedelta(hours=2))
    assert len(session.token) >= 40
    assert session_user(db, session.token, ops_url=url, now=T0 + timedelta(minutes=119)) == (
        session.user)
    assert session_user(db, session.token, ops_url=url, now=T0 + timedelta(hours=2)) is None
    assert session_user(db, session.token + "x", ops_url=url, now=T0) is None
    assert session_user(db, None, ops_url=url, now=T0) is None
    assert session_user(db, "x" * 10_000, ops_url=url, now=T0) is None


def test_the_store_keeps_only_a_hash_of_the_token(ana: StoreCase) -> None:
    session = sign_in(ana.db, "ana", "correct horse", address=HOME, ops_url=ana.url)
    with ops_transaction(ops_store(ana.db, ana.url), readonly=True) as connection:
        stored = connection.execute(select(sessions.c.token_hash, sessions.c.address)).all()
    assert [tuple(row) for row in stored] == [(token_hash(session.token), HOME)]
    assert session.token not in stored[0][0]


def test_a_new_role_applies_at_once_and_signing_out_or_removal_ends_the_session(
    ana: StoreCase,
) -> None:
    db, url = ana.db, ana.url
    first = sign_in(db, "ana", "correct horse", address=HOME, ops_url=url)
    second = sign_in(db, "ana", "correct horse", address=HOME, ops_url=url)
    set_role(db, "ana", "viewer", user="cli", ops_url=url)
    assert session_user(db, first.token, ops_url=url).role == "viewer"
    sign_out(db, first.token, ops_url=url)
    assert session_user(db, first.token, ops_url=url) is None
    assert session_user(db, second.token, ops_url=url).name == "ana"  # the other browser
    sign_out(db, first.token, ops_url=url)  # twice: nothing more happens
    remove_user(db, "ana", user="cli", ops_url=url)
    assert session_user(db, second.token, ops_url=url) is None
    assert [event for _, event, _ in _sign_ins(ana)] == ["sign_in", "sign_in", "sign_out"]


def test_wrong_names_and_passwords_get_the_same_answer_and_are_audited(ana: StoreCase) -> None:
    db, url = ana.db, ana.url
    messages = []
    for name, password in (("ana", "wrong horse"), ("bob", "correct horse"),
                           ("=HYPERLINK(\"x\")\x00" + "z" * 300, "whatever")):
        with pytest.raises(SignInRefused) as refused:
            sign_in(db, name, password, address=HOME, ops_url=url)
        messages.append((refused.value.message, refused.value.retry_after))
    assert messages == [("Wrong name or password.", 0)] * 3
    sign_in(db, "ana", "correct horse", address=HOME, ops_url=url)
    logged = _sign_ins(ana)
    assert [(user, detail["succeeded"], detail["reason"], detail["address"])
            for user, _, detail in logged] == [
        ("ana", False, "wrong password", HOME),
        ("bob", False, "unknown user", HOME),
        ('=HYPERLINK("x")' + "z" * 49, False, "unknown user", HOME),
        ("ana", True, None, HOME),
    ]


def test_failures_for_one_name_slow_down_its_next_attempts_only(ana: StoreCase) -> None:
    db, url = ana.db, ana.url
    for number in range(FREE_FAILURES_PER_NAME):
        with pytest.raises(SignInRefused, match="Wrong"):
            sign_in(db, "ana", f"guess {number}", address=f"10.1.0.{number}", ops_url=url,
                    now=T0 + timedelta(seconds=number))
    last = T0 + timedelta(seconds=FREE_FAILURES_PER_NAME - 1)
    # The right password too is refused while the name waits, without being checked.
    with pytest.raises(SignInRefused) as refused:
        sign_in(db, "ana", "correct horse", address="10.9.9.9", ops_url=url, now=last)
    assert refused.value.retry_after == 1
    assert refused.value.message == "Too many failed sign-ins. Try again in 1 seconds."
    # Another name from the same addresses is not slowed down.
    add_user(db, "bob", "viewer", "bob's secret", user="cli", ops_url=url)
    assert sign_in(db, "bob", "bob's secret", address="10.1.0.0", ops_url=url, now=last)
    # After the wait, the next failure doubles it; a success clears the name's failures.
    with pytest.raises(SignInRefused, match="Wrong"):
        sign_in(db, "ana", "guess 6", address=HOME, ops_url=url, now=last + timedelta(seconds=1))
    with pytest.raises(SignInRefused) as refused:
        sign_in(db, "ana", "correct horse", address=HOME, ops_url=url,
                now=last + timedelta(seconds=2))
    assert refused.value.retry_after == 1
    session = sign_in(db, "ana", "correct horse", address=HOME, ops_url=url,
                      now=last + timedelta(seconds=3))
    assert session.user.name == "ana"
    with pytest.raises(SignInRefused, match="Wrong"):
        sign_in(db, "ana", "guess 7", address=HOME, ops_url=url, now=last + timedelta(seconds=3))
    assert "slowed down" in [detail["reason"] for _, _, detail in _sign_ins(ana)]


def test_failures_from_one_address_slow_down_every_name_tried_from_it(ana: StoreCase) -> None:
    db, url = ana.db, ana.url
    for number in range(FREE_FAILURES_PER_ADDRESS):
        with pytest.raises(SignInRefused, match="Wrong"):
            sign_in(db, f"name{number}", "guess", address="10.6.6.6", ops_url=url, now=T0)
    with pytest.raises(SignInRefused) as refused:
        sign_in(db, "ana", "correct horse", address="10.6.6.6", ops_url=url, now=T0)
    assert refused.value.retry_after == 1
    assert sign_in(db, "ana", "correct horse", address=HOME, ops_url=url, now=T0)


def test_failures_older_than_the_window_are_forgotten(ana: StoreCase) -> None:
    db, url = ana.db, ana.url
    for number in range(FREE_FAILURES_PER_NAME + 3):
        with pytest.raises(SignInRefused):
            sign_in(db, "ana", "guess", address=HOME, ops_url=url,
                    now=T0 + timedelta(minutes=number))
    later = T0 + timedelta(minutes=FREE_FAILURES_PER_NAME + 3 + 15)
    assert sign_in(db, "ana", "correct horse", address=HOME, ops_url=url, now=later)


@pytest.mark.parametrize(("failures", "free", "seconds_since_last", "wait"), [
    (0, 5, 0, 0.0),
    (4, 5, 0, 0.0),
    (5, 5, 0, 1.0),
    (5, 5, 0.25, 0.75),
    (7, 5, 1, 3.0),
    (7, 5, 10, 0.0),
    (30, 5, 0, MAX_WAIT.total_seconds()),
])
def test_the_wait_doubles_with_each_failure_beyond_the_free_ones_up_to_a_cap(
    failures: int, free: int, seconds_since_last: float, wait: float,
) -> None:
    times = [T0 - timedelta(seconds=n) for n in range(failures)]
    now = T0 + timedelta(seconds=seconds_since_last)
    assert wait_after(times, free, now) == pytest.approx(wait)
