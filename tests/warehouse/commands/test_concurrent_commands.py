"""Many dashboard threads using the command side at once, on both backends: no conflict, every
write kept (the DuckDB store needed a one-thread-per-process lock; this store needs none)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.support.ops_store import StoreCase
from tests.support.rule_snapshots import FIELDS, rule
from warehouse.commands import audit_log, create_rule, list_campaigns, list_rules, log_send


def test_threads_reading_and_writing_at_once_all_succeed(store: StoreCase) -> None:
    db, url = store.db, store.url
    list_rules(db, ops_url=url)  # seeded once before the crowd arrives

    def work(number: int) -> object:
        kind = number % 4
        if kind == 0:
            return create_rule(db, rule(f"Rule {number}", [{"field": "frequency", "op": ">",
                                                            "value": 1}]),
                               fields=FIELDS, user=f"user-{number}", ops_url=url)
        if kind == 1:
            return log_send(db, "c-1", "treatment", number, user=f"user-{number}", ops_url=url)
        if kind == 2:
            return list_campaigns(db, ops_url=url)
        return list_rules(db, ops_url=url)

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(work, range(96)))  # re-raises the first error, if any
    rules = list_rules(db, ops_url=url)
    assert len(rules) == 4 + 24 and [r.priority for r in rules] == list(range(1, 29))
    log = audit_log(db, limit=1000, ops_url=url)
    assert (log["event"] == "send").sum() == 24 and (log["event"] == "rule_change").sum() == 24
