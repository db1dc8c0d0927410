"""A DuckDB-era operational store written by the code of that era (``warehouse.store.open_ops``
and the rule, campaign and audit functions on it), for the import into the new store."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.support.catalogue import refresh_catalogue
from warehouse.commands.audit import log_audit
from warehouse.commands.campaigns.imports import import_campaign_file
from warehouse.commands.ops_store import open_ops
from warehouse.commands.rules.model import Rule
from warehouse.commands.rules.storage import create_rule, delete_rule
from warehouse.paths import ops_path

CAMPAIGN_HEADER = ("campaign_id,campaign_name,action,channel,offer,kpi,launched_at,ends_at,"
                   "control_share,visitorid,group")
CAMPAIGN = ("demo-1,Win-back test,Win-back voucher,email,25% voucher,reactivation,2015-08-01,"
            "2015-08-28,0.2")
LEGACY_TABLES = ("rules", "campaigns", "campaign_assignments", "audit_log", "ops_meta")


def write_legacy_store(db: Path, customers: int = 10) -> Path:
    """Seed the default rules, add one, delete another, import a demo campaign of
    ``customers`` visitors (the first two in control) and log two exports; return the file."""
    campaign_file = db.with_name("demo_campaign.csv")
    rows = [f"{CAMPAIGN},{1000 + i},{'control' if i < 2 else 'treatment'}"
            for i in range(customers)]
    campaign_file.write_text("\n".join([CAMPAIGN_HEADER, *rows]) + "\n", encoding="utf-8")
    import_campaign_file(db, campaign_file)
    create_rule(db, Rule(name="Recent buyers", conditions=[
        {"field": "frequency", "op": ">=", "value": 2}], action="Thank-you note",
        channel="email", offer="none", kpi="retention"), fields=refresh_catalogue())
    delete_rule(db, 2)
    with open_ops(db) as con:
        log_audit(con, "export", "demo-1", "treatment", customers - 2, "demo-1-treatment.csv")
        log_audit(con, "export", "demo-1", "control", 2, "demo-1-control.csv")
    return ops_path(db)


def legacy_rows(path: Path, table: str) -> list[tuple]:
    """Every row of a DuckDB-era table, as stored, sorted."""
    if table not in LEGACY_TABLES:
        raise ValueError(f"not a table of the DuckDB-era store: {table}")
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
