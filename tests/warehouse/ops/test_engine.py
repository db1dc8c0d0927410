"""Where the store is, how its connections are set up, and what a transaction guarantees."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError, InternalError

from tests.support.ops_store import fresh_postgres_database, postgres_server_url
from warehouse.ops import OPS_URL_ENV_VAR, ops_engine, ops_transaction, ops_url
from warehouse.ops.schema import audit_log, campaign_assignments, campaigns, users

NOW = datetime(2015, 9, 18, 12, 0)


def _campaign(campaign_id: str = "c-20150918-1", source: str = "board") -> dict:
    return {"campaign_id": campaign_id, "name": "Win-back", "control_share": 0.2, "salt": "ab",
            "launched_at": NOW, "ends_at": NOW, "audience_size": 2, "source": source,
            "clock": "wall"}


def _user(name: str = "ana", role: str = "analyst") -> dict:
    return {"name": name, "role": role, "password_hash": "x", "created_at": NOW,
            "updated_at": NOW}


def test_the_default_store_is_an_sqlite_file_beside_the_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OPS_URL_ENV_VAR, raising=False)
    assert ops_url(tmp_path / "shop.duckdb") == f"sqlite:///{tmp_path}/shop.ops.sqlite"


def test_a_folder_name_with_url_characters_still_names_the_right_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OPS_URL_ENV_VAR, raising=False)
    folder = tmp_path / "shop #1? 50%"
    engine = ops_engine(ops_url(folder / "w.duckdb"))
    assert engine.url.database == str(folder / "w.ops.sqlite")
    assert (folder / "w.ops.sqlite").is_file()


def test_an_explicit_url_wins_over_the_environment_which_wins_over_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(OPS_URL_ENV_VAR, "postgresql://env@db.example/ops")
    assert ops_url(tmp_path / "w.duckdb") == "postgresql+psycopg://env@db.example/ops"
    assert ops_url(tmp_path / "w.duckdb", "sqlite:////srv/ops.sqlite") == \
        "sqlite:////srv/ops.sqlite"


def test_a_postgres_url_without_a_driver_gets_psycopg_and_keeps_its_password() -> None:
    assert ops_url(Path("w.duckdb"), "postgres://app:s3cret@db:5433/ops") == \
        "postgresql+psycopg://app:s3cret@db:5433/ops"


def test_an_unsupported_database_is_refused_without_showing_the_password() -> None:
    with pytest.raises(ValueError, match=r"unsupported operational store 'mysql://app:\*\*\*@db/ops'"):
        ops_url(Path("w.duckdb"), "mysql://app:s3cret@db/ops")


def test_text_that_is_no_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(ValueError, match="not a database URL") as refused:
        ops_url(Path("w.duckdb"), "app:s3cret@db/ops")
    assert "s3cret" not in str(refused.value)


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = ops_engine(ops_url(tmp_path / "w.duckdb"))
    with ops_transaction(engine, readonly=True) as connection:
        settings = [connection.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout")]
    assert settings == ["wal", 1, 30000]


def test_a_block_that_raises_leaves_nothing_behind(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="stop"), ops_transaction(engine) as connection:
        connection.execute(insert(campaigns).values(**_campaign()))
        raise RuntimeError("stop")
    with ops_transaction(engine, readonly=True) as connection:
        assert connection.execute(select(func.count()).select_from(campaigns)).scalar() == 0


def test_an_assignment_needs_its_campaign(engine: Engine) -> None:
    with pytest.raises(IntegrityError), ops_transaction(engine) as connection:
        connection.execute(insert(campaign_assignments).values(
            campaign_id="c-missing", customer_id="1", group_name="treatment"))


def test_deleting_a_campaign_deletes_its_assignments(engine: Engine) -> None:
    with ops_transaction(engine) as connection:
        connection.execute(insert(campaigns).values(**_campaign()))
        connection.execute(insert(campaign_assignments), [
            {"campaign_id": "c-20150918-1", "customer_id": "1", "group_name": "treatment"},
            {"campaign_id": "c-20150918-1", "customer_id": "2", "group_name": "control"},
        ])
    with ops_transaction(engine) as connection:
        connection.execute(campaigns.delete())
        assert connection.execute(
            select(func.count()).select_from(campaign_assignments)).scalar() == 0


@pytest.mark.parametrize(
    ("table", "row"),
    [
        (users, _user(role="owner")),
        (campaigns, _campaign(source="csv")),
        (audit_log, {"logged_at": NOW, "event": "download"}),
    ],
    ids=["user role", "campaign source", "audit event"],
)
def test_values_outside_their_list_are_refused(engine: Engine, table, row: dict) -> None:
    with pytest.raises(IntegrityError), ops_transaction(engine) as connection:
        connection.execute(insert(table).values(**row))


def test_user_names_are_unique_and_users_start_enabled(engine: Engine) -> None:
    with ops_transaction(engine) as connection:
        connection.execute(insert(users).values(**_user()))
        assert connection.execute(select(users.c.is_disabled)).scalar() is False
    with pytest.raises(IntegrityError), ops_transaction(engine) as connection:
        connection.execute(insert(users).values(**_user(role="admin")))


def test_every_audit_event_kind_is_accepted_and_a_segment_export_needs_no_campaign(
    engine: Engine,
) -> None:
    rows = [
        {"logged_at": NOW, "user_name": "ana", "event": "sign_in"},
        {"logged_at": NOW, "user_name": "ana", "event": "rule_change", "rule_id": 3,
         "detail": '{"enabled": [true, false]}'},
        {"logged_at": NOW, "user_name": "ana", "event": "launch", "campaign_id": "c-1",
         "row_count": 10},
        {"logged_at": NOW, "user_name": "ana", "event": "export", "segment": "Champions",
         "row_count": 5, "file_name": "champions.csv"},
        {"logged_at": NOW, "user_name": "ana", "event": "send", "campaign_id": "c-1",
         "group_name": "treatment", "row_count": 8},
    ]
    with ops_transaction(engine) as connection:
        for row in rows:
            connection.execute(insert(audit_log).values(**row))
    with ops_transaction(engine, readonly=True) as connection:
        stored = connection.execute(
            select(audit_log.c.audit_id, audit_log.c.event, audit_log.c.campaign_id)
            .order_by(audit_log.c.audit_id)).all()
    assert [(event, campaign) for _, event, campaign in stored] == [
        ("sign_in", None), ("rule_change", None), ("launch", "c-1"), ("export", None),
        ("send", "c-1")]
    assert [audit_id for audit_id, *_ in stored] == [1, 2, 3, 4, 5]


def test_a_read_only_transaction_cannot_write_on_postgresql() -> None:
    with fresh_postgres_database(postgres_server_url()) as url:
        engine = ops_engine(url)
        with pytest.raises(InternalError, match="read-only transaction"), \
                ops_transaction(engine, readonly=True) as connection:
            connection.execute(insert(users).values(**_user()))
