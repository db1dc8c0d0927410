"""How a kind of CSV file maps to a raw table: its columns, typed values and validation rules.

All SQL fragments here are constants of this package (identifiers from the specs' tuples only);
user values reach SQL only as ``$named`` parameters. Parameters every load provides:
``$loaded_at_ms`` (the load's start, Unix milliseconds) and ``$loaded_at`` (the same instant as a
naive UTC TIMESTAMP); the RetailRocket load adds ``$price_property``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Plausible values. Before 1990 there was no e-commerce to log; a timestamp after the load's own
# start cannot have been recorded yet. A money amount above a trillion currency units is absurd
# in every currency, and capping amounts keeps every sum of them finite.
EARLIEST_MS = 631_152_000_000  # 1990-01-01T00:00:00Z in milliseconds
EARLIEST_DATE = "1990-01-01"
MAX_AMOUNT = 1e12


@dataclass(frozen=True)
class Check:
    """One validation rule: ``bad`` is a SQL predicate over the raw VARCHAR columns (true for a bad
    row), ``reason`` a SQL string expression saying what is wrong, in plain words."""

    bad: str
    reason: str


@dataclass(frozen=True)
class CsvSpec:
    """How one kind of file maps to one raw table."""

    table: str
    columns: tuple[str, ...]  # CSV columns read, found by header name; the table's, in order
    typed: tuple[str, ...]  # SQL expression for each column, over the raw values
    checks: tuple[Check, ...]
    optional: tuple[str, ...] = ()  # columns that may be absent (read as NULL)
    keep: str = "TRUE"  # rows failing this predicate are skipped: counted, not validated
    # upsert on this key (a column or several) instead of inserting new rows only
    upsert_key: str | tuple[str, ...] | None = None
    replace_key: str | None = None  # a load's rows replace the stored rows with the same key
    trim: bool = False  # strip blanks around values (hand-made exports)
    # other header names of a column, (lower-cased header name, column): published names
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.optional)


@dataclass(frozen=True)
class FileJob:
    """One file to load with a spec; ``label`` is the name used in loads and rejected_rows."""

    spec: CsvSpec
    path: Path
    label: str = ""
    positions: dict[str, int] = field(default_factory=dict)  # set by locate_columns
    header: tuple[str, ...] = ()  # the file's column names, set by locate_columns
    delimiter: str = ","  # the character between values

    @property
    def width(self) -> int:
        """Number of columns in the header."""
        return len(self.header)


def q(name: str) -> str:
    """Quote an identifier taken from a spec (never from user input)."""
    return '"' + name.replace('"', '""') + '"'


def sql_text(text: str) -> str:
    """A SQL string literal of a constant of this package."""
    return "'" + text.replace("'", "''") + "'"


def _not_whole(column: str) -> tuple[str, str]:
    """(predicate, reason) for a raw value that is not a whole number fitting a BIGINT.

    A digits-only pattern rather than TRY_CAST alone (DuckDB casts '1.5' to 2 and '1e3' to
    1000); GLOB is several times cheaper than a regular expression on millions of rows."""
    c = q(column)
    return (f"{c} GLOB '*[!0-9]*' OR length({c}) NOT BETWEEN 1 AND 18",
            f"'{column} ''' || left({c}, 40) || ''' is not a whole number'")


def whole_number(column: str, *, required: bool = True) -> Check:
    """A check that a raw value is a non-negative whole number that fits a BIGINT (or is empty,
    when not ``required``). One rule rather than two saves a pass of the CASE over every row."""
    c = q(column)
    pattern, not_number = _not_whole(column)
    if not required:
        return Check(pattern, not_number)
    return Check(f"{c} IS NULL OR {pattern}",
                 f"CASE WHEN {c} IS NULL THEN '{column} is empty' ELSE {not_number} END")


def epoch_ms(column: str) -> Check:
    """A check that a raw value is a plausible Unix time in milliseconds: a whole number from
    1990 up to the load's start. Seconds instead of milliseconds, dates before 1990, times after
    the load and numbers too large to be a time are rejected, each with its reason.

    The range test joins the whole-number rule, so a good row pays one comparison more."""
    c = q(column)
    pattern, not_number = _not_whole(column)
    value = f"TRY_CAST({c} AS BIGINT)"
    return Check(
        f"{c} IS NULL OR {pattern} OR {value} NOT BETWEEN {EARLIEST_MS} AND $loaded_at_ms",
        f"CASE WHEN {c} IS NULL THEN '{column} is empty' "
        f"WHEN {pattern} THEN {not_number} "
        f"WHEN {value} BETWEEN {EARLIEST_MS // 1000} AND $loaded_at_ms // 1000 "
        f"THEN '{column} ' || {c} || ' looks like seconds since 1970; expected milliseconds' "
        f"WHEN {value} < {EARLIEST_MS} "
        f"THEN '{column} ' || {c} || ' is before {EARLIEST_DATE} (milliseconds since 1970 "
        "expected)' "
        f"ELSE '{column} ' || {c} || ' lies in the future (after this load started)' END",
    )
