"""Compiling rules to SQL over the snapshot's ``customers`` view.

Relative thresholds are computed at evaluation time with ``quantile_cont`` over the same snapshot,
so a rule means the same at any scale (``winners_sql`` computes all of them in one scan).
**Ties**: ``top_pct p`` selects values strictly above the
(1 − p/100) quantile q; when nothing is above q (q is the maximum, e.g. everybody bought once) it
selects the values equal to q instead. Strictness matters because most buyers buy once: with 90 %
of buyers at frequency 1, "frequency top 20 %" means frequency > 1 (the repeat buyers), not
everyone. ``bottom_pct`` mirrors this with values below the p/100 quantile, or equal to the minimum.

Each customer gets at most one action: that of the highest-priority (1 = highest) enabled rule that
matches (``winners_sql``). Only field names of the catalogue (checked identifiers) and generated
aliases enter the SQL text; every value is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warehouse.commands.rules.catalogue import RELATIVE
from warehouse.commands.rules.model import Rule, RuleError
from warehouse.commands.rules.validation import (
    parse_conditions,
    timestamp_text,
    validate_conditions,
)
from warehouse.schema.customers import CUSTOMERS_VIEW
from warehouse.schema.fields import TIMESTAMP, FieldCatalogue


@dataclass
class Thresholds:
    """The relative thresholds of several rules as columns of one aggregate row over
    ``customers`` (one scan instead of a subquery per condition); identical ones are shared."""

    aggregates: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    aliases: dict[tuple[str, float, str], tuple[str, str]] = field(default_factory=dict)

    def refs(self, column: str, fraction: float, edge: str) -> tuple[str, str]:
        """Column names of the quantile and of the tie fallback (the edge value, else NULL)."""
        key = (column, fraction, edge)
        if key not in self.aliases:
            n = len(self.aliases)
            self.aliases[key] = (f"q_{n}", f"e_{n}")
            self.aggregates += [f"quantile_cont({column}, ?) AS q_{n}",
                                f"{edge}({column}) AS x_{n}"]
            self.params.append(fraction)
        return self.aliases[key]

    def sql(self) -> str:
        """SELECT of the one row: q_<n> (quantile), e_<n> (edge value if q_<n> is it, else NULL)."""
        if not self.aliases:
            return "SELECT NULL AS none"
        # aliases are numbered in insertion order: the n-th pair is q_<n>, e_<n>, over x_<n>
        ties = ", ".join(f"{q}, CASE WHEN {q} = x_{n} THEN x_{n} END AS {e}"
                         for n, (q, e) in enumerate(self.aliases.values()))
        # generated aliases over whitelisted columns; fractions are parameters
        return f"SELECT {ties} FROM (SELECT {', '.join(self.aggregates)} FROM {CUSTOMERS_VIEW})"  # noqa: S608


def _compile_condition(
    item: dict[str, Any], thresholds: Thresholds, fields: FieldCatalogue
) -> tuple[str, list[Any]]:
    name, op, value = item["field"], item["op"], item["value"]
    column = f'"{name}"'  # a field of the catalogue: a checked identifier
    kind = fields[name].type
    if op in RELATIVE:
        top = op == "top_pct"
        fraction = 1 - value / 100 if top else value / 100
        strict, edge = (">", "max") if top else ("<", "min")
        quantile, tie = thresholds.refs(column, fraction, edge)
        return f"({column} {strict} {quantile} OR {column} = {tie})", []
    if op == "in":
        return f"list_contains(CAST(? AS VARCHAR[]), {column})", [list(value)]
    if kind == TIMESTAMP:
        return f"{column} {op} CAST(? AS TIMESTAMP)", [timestamp_text(value)]
    return f"{column} {op} ?", [value]


def compile_conditions(
    conditions: str | list[dict[str, Any]], thresholds: Thresholds, fields: FieldCatalogue
) -> tuple[str, list[Any]]:
    """A boolean SQL expression over ``customers``' columns (never NULL) and its parameters.

    Relative thresholds are columns of ``thresholds`` (the caller selects from ``customers``
    cross-joined with its one aggregate row).
    """
    validate_conditions(conditions, fields)
    parts: list[str] = []
    params: list[Any] = []
    for item in parse_conditions(conditions):
        group = item.get("any", [item])
        compiled = [_compile_condition(inner, thresholds, fields) for inner in group]
        parts.append("(" + " OR ".join(sql for sql, _ in compiled) + ")")
        params += [p for _, group_params in compiled for p in group_params]
    return "coalesce(" + " AND ".join(parts) + ", false)", params


def winners_sql(rules: list[Rule], fields: FieldCatalogue) -> tuple[str, list[Any]]:
    """SELECT over ``customers``: one row per customer with its matches and winning rule.

    Columns: customer_id, segment, clv_amount, ``is_match_<i>`` (rule ``rules[i]`` matches,
    enabled or not), count_matched_rules (enabled rules matching), winner_rule_id (the
    highest-priority enabled match, NULL if none). ``rules`` must be in priority order.
    """
    flags: list[str] = []
    params: list[Any] = []
    thresholds = Thresholds()
    for index, rule in enumerate(rules):
        try:
            sql, rule_params = compile_conditions(rule.conditions, thresholds, fields)
        except RuleError as error:
            raise RuleError(f"rule {rule.name!r} cannot be evaluated: {error}") from None
        flags.append(f"{sql} AS is_match_{index}")
        params += rule_params
    params = [*thresholds.params, *params]
    enabled = [i for i, rule in enumerate(rules) if rule.enabled]
    if enabled:
        winner = "CASE " + " ".join(f"WHEN is_match_{i} THEN ?" for i in enabled) + " END"
        params += [rules[i].rule_id for i in enabled]
        count = " + ".join(f"is_match_{i}::INTEGER" for i in enabled)
    else:
        winner, count = "NULL", "0"
    flag_sql = "".join(f", {flag}" for flag in flags)
    match_sql = "".join(f", is_match_{i}" for i in range(len(rules)))
    # only compiled conditions (parameterised) and generated aliases go into the text
    sql = (
        f"WITH thresholds AS ({thresholds.sql()}), "  # noqa: S608
        f"flags AS (SELECT customer_id, segment, clv_amount{flag_sql} "
        f"FROM {CUSTOMERS_VIEW} CROSS JOIN thresholds) "
        f"SELECT customer_id, segment, clv_amount{match_sql}, "
        f"CAST({count} AS INTEGER) AS count_matched_rules, "
        f"CAST({winner} AS INTEGER) AS winner_rule_id FROM flags"
    )
    return sql, params
