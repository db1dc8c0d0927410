"""No push or email to a customer who refused notifications: the decline rules' real audiences
on a published snapshot, before and after the consent filter."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.support.ops_store import StoreCase
from warehouse.commands import Rule, audit_log, launch_audience
from warehouse.commands.campaigns.assignment import rule_audience
from warehouse.commands.campaigns.consent import deliverable_audience, launchable_audience
from warehouse.commands.campaigns.storage import GROUPS, group_members
from warehouse.decline.rules import DECLINE_RULES
from warehouse.ops import ops_store, ops_transaction
from warehouse.schema.fields import read_field_catalogue
from warehouse.snapshots import open_snapshot

RULES = [Rule(**rule, rule_id=number, priority=number)
         for number, rule in enumerate(DECLINE_RULES, start=1)]


def test_offers_by_push_or_email_exclude_customers_without_consent(decline_db) -> None:
    removed_somewhere = False
    with open_snapshot(decline_db) as snap:
        fields = read_field_catalogue(snap)
        consent = snap.execute(
            "SELECT customer_id, allows_notifications FROM customers "
            "WHERE allows_notifications IS NOT NULL").df()
        refused = set(consent.loc[consent["allows_notifications"] == "no", "customer_id"])
        assert 0 < len(refused) < len(consent)
        for rule in RULES:
            audience = rule_audience(snap, RULES, rule.rule_id, fields)
            kept = launchable_audience(snap, audience, rule.channel)
            in_audience = set(audience["customer_id"]) & refused
            if rule.channel in ("push", "email"):
                assert not set(kept["customer_id"]) & refused, rule.name
                assert set(audience["customer_id"]) - set(kept["customer_id"]) == in_audience
                removed_somewhere |= bool(in_audience)
            else:  # on-site: nothing is sent
                assert kept["customer_id"].tolist() == audience["customer_id"].tolist()
    assert removed_somewhere  # the rules' audiences did hold customers who refused


def test_unknown_consent_is_not_a_refusal_and_other_channels_are_untouched() -> None:
    audience = pd.DataFrame({"customer_id": ["a", "b", "c"]})
    assert deliverable_audience(audience, {"b"}, "push")["customer_id"].tolist() == ["a", "c"]
    assert deliverable_audience(audience, {"b"}, "email")["customer_id"].tolist() == ["a", "c"]
    assert deliverable_audience(audience, {"b"}, "sms")["customer_id"].tolist() == ["a", "b", "c"]
    assert deliverable_audience(audience, set(), "push")["customer_id"].tolist() == ["a", "b", "c"]


def test_a_push_launch_leaves_out_who_refused_and_records_how_many(decline_db, store: StoreCase
                                                                  ) -> None:
    """Through the command side into a new store on each backend: neither group holds a
    customer who refused notifications; the launch's audit row says how many were left out."""
    with open_snapshot(decline_db) as snap:
        consent = snap.execute(
            "SELECT customer_id, allows_notifications FROM customers "
            "WHERE allows_notifications IS NOT NULL ORDER BY customer_id").df()
    refused = set(consent.loc[consent["allows_notifications"] == "no", "customer_id"])
    audience = consent["customer_id"].tolist()
    common = dict(user="owner", name="Consent check", action="Win back", offer="10% off",
                  kpi="conversion", source="decline_risk", ops_url=store.url)
    push = launch_audience(decline_db, audience, channel="push", **common)
    assert push.count_no_consent == len(refused)
    assert push.audience_size == len(audience) - len(refused)
    with ops_transaction(ops_store(decline_db, store.url), readonly=True) as connection:
        for group in GROUPS:
            members = group_members(connection, push.campaign_id, group)
            assert not set(members["customer_id"]) & refused
    launch = audit_log(decline_db, ops_url=store.url).query("event == 'launch'")
    assert json.loads(launch["detail"].iloc[-1])["no_consent"] == len(refused)
    onsite = launch_audience(decline_db, audience, channel="onsite", exclude_running=False,
                             **common)
    assert onsite.count_no_consent == 0 and onsite.audience_size == len(audience)
    with pytest.raises(ValueError, match="refused notifications"):
        launch_audience(decline_db, sorted(refused), channel="email", exclude_running=False,
                        **common)
