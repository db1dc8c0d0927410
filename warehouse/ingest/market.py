"""Loading the "One Click" customer-activity files into the raw ``market_*`` tables.

A folder holds four files (the published data set's names and layout; see docs/METHODS.md,
"Decline risk"): ``market_file.csv`` (one row per customer: purchase-activity label, service
type, notification consent, marketing contacts, tenure, promotion share, popular category,
categories and pages per visit, unpaid cart items, service errors), ``market_money.csv``
(revenue per customer and month), ``market_time.csv`` (minutes on site per customer and month)
and ``money.csv`` (average monthly profit). They are read as published — Russian headers and
values, ``,`` or ``;`` between values (found from the header line), decimal points or decimal
commas — or with the English column names of the raw tables (``market_schema.sql``). Values are
stored in English; the known typos of the published files (``стандартт`` for ``стандарт``,
``предыдцщий_месяц`` for ``предыдущий_месяц``) are normalised and counted in the summary.

Like every ingest it is one transaction (``csv_load.run_load``): bad rows go to
``rejected_rows`` with their line number and reason (more than 5 % bad refuses the load), a row
already loaded adds nothing, and a customer (or customer and month) loaded again with other values
is updated. An empty purchase-activity label is allowed: that customer is scored, not trained on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb

from warehouse.ingest.csv_load import LoadStep, run_load
from warehouse.ingest.csv_read import locate_columns
from warehouse.ingest.csv_spec import Check, CsvSpec, FileJob, q
from warehouse.ingest.load_summary import IngestError, IngestSummary

__all__ = ["MARKET_FILES", "IngestError", "IngestSummary", "ingest_market"]

MARKET_SCHEMA = Path(__file__).with_name("market_schema.sql")
KIND = "market"

# Published (lower-cased) and English values → the stored English value.
PURCHASE_ACTIVITY = {"снизилась": "decreased", "прежний уровень": "previous level",
                     "decreased": "decreased", "previous level": "previous level"}
SERVICE_TYPES = {"премиум": "premium", "стандарт": "standard", "стандартт": "standard",
                 "premium": "premium", "standard": "standard"}
CONSENT = {"да": "yes", "нет": "no", "yes": "yes", "no": "no"}
CATEGORIES = {
    "товары для детей": "children's goods",
    "домашний текстиль": "home textiles",
    "косметика и аксесуары": "cosmetics and accessories",
    "техника для красоты и здоровья": "beauty and health appliances",
    "мелкая бытовая техника и электроника": "small appliances and electronics",
    "кухонная посуда": "kitchenware",
}
PERIODS = {"текущий_месяц": "current_month", "предыдущий_месяц": "previous_month",
           "предыдцщий_месяц": "previous_month", "препредыдущий_месяц": "earlier_month",
           "current_month": "current_month", "previous_month": "previous_month",
           "earlier_month": "earlier_month"}
# (file, column, published typo, what it stands for): normalised and reported.
KNOWN_TYPOS = (
    ("market_file.csv", "service_type", "стандартт", "стандарт"),
    ("market_money.csv", "period", "предыдцщий_месяц", "предыдущий_месяц"),
    ("market_time.csv", "period", "предыдцщий_месяц", "предыдущий_месяц"),
)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _mapped(column: str, mapping: dict[str, str]) -> str:
    """SQL: the stored value of a raw value (NULL when not in ``mapping``)."""
    cases = " ".join(f"WHEN {_literal(raw)} THEN {_literal(value)}"
                     for raw, value in mapping.items())
    return f"CASE lower({q(column)}) {cases} END"


def _shown(column: str) -> str:
    return f"left({q(column)}, 40)"


def _required(column: str, label: str) -> Check:
    return Check(f"{q(column)} IS NULL", _literal(f"{label} is empty"))


def _one_of(column: str, label: str, mapping: dict[str, str]) -> Check:
    accepted = _literal("' is not one of: " + ", ".join(dict.fromkeys(mapping)))
    return Check(f"{_mapped(column, mapping)} IS NULL",
                 f"{_literal(label + ' ')} || '''' || {_shown(column)} || {accepted}")


def _number(column: str) -> str:
    """SQL: the raw value as a DOUBLE; a decimal comma counts as a decimal point."""
    return f"TRY_CAST(replace({q(column)}, ',', '.') AS DOUBLE)"


def _number_checks(column: str, label: str, *, whole: bool = False,
                   at_most: float | None = None, signed: bool = False) -> tuple[Check, ...]:
    value = _number(column)
    checks = [
        _required(column, label),
        Check(f"{value} IS NULL OR NOT isfinite({value})",
              f"{_literal(label + ' ')} || '''' || {_shown(column)} || ''' is not a number'"),
    ]
    if not signed:
        checks.append(Check(f"{value} < 0", f"{_literal(label + ' ')} || {q(column)} || "
                                            "' is negative'"))
    if whole:
        checks.append(Check(f"{value} <> floor({value})",
                            f"{_literal(label + ' ')} || {q(column)} || "
                            "' is not a whole number'"))
    if at_most is not None:
        checks.append(Check(f"{value} > {at_most}",
                            f"{_literal(label + ' ')} || {q(column)} || "
                            f"' is above {at_most:g}'"))
    return tuple(checks)


def _once(key: tuple[str, ...], columns: tuple[str, ...], what: str) -> Check:
    """A key given twice with different values: every such row is rejected (which one is
    right cannot be told); exact copies are only counted as duplicates."""
    row = f"concat_ws(chr(31), {', '.join(f'coalesce({q(c)}, chr(30))' for c in columns)})"
    by = ", ".join(q(c) for c in key)
    return Check(f"count(DISTINCT {row}) OVER (PARTITION BY {by}) > 1",
                 f"{_literal(what + ' ')} || {' || '.join(f'{q(c)}' for c in key[:1])} || "
                 f"{_literal(' appears more than once with different values')}")


_CUSTOMER_COLUMNS = (
    "customer_id", "purchase_activity", "service_type", "allows_notifications",
    "marketing_contacts_6m", "marketing_contacts_current_month", "tenure_days",
    "promotion_share", "popular_category", "categories_per_visit", "unpaid_items_3m",
    "service_errors", "pages_per_visit",
)
_PUBLISHED_CUSTOMER_HEADERS = (
    "id", "покупательская активность", "тип сервиса", "разрешить сообщать",
    "маркет_актив_6_мес", "маркет_актив_тек_мес", "длительность", "акционные_покупки",
    "популярная_категория", "средний_просмотр_категорий_за_визит",
    "неоплаченные_продукты_штук_квартал", "ошибка_сервиса", "страниц_за_визит",
)

MARKET_CUSTOMERS = CsvSpec(
    table="market_customers",
    columns=_CUSTOMER_COLUMNS,
    typed=(
        "customer_id",
        _mapped("purchase_activity", PURCHASE_ACTIVITY),
        _mapped("service_type", SERVICE_TYPES),
        _mapped("allows_notifications", CONSENT),
        _number("marketing_contacts_6m"),
        _number("marketing_contacts_current_month"),
        f"CAST({_number('tenure_days')} AS BIGINT)",
        _number("promotion_share"),
        f"coalesce({_mapped('popular_category', CATEGORIES)}, popular_category)",
        _number("categories_per_visit"),
        f"CAST({_number('unpaid_items_3m')} AS BIGINT)",
        f"CAST({_number('service_errors')} AS BIGINT)",
        _number("pages_per_visit"),
    ),
    checks=(
        _required("customer_id", "id"),
        _once(("customer_id",), _CUSTOMER_COLUMNS, "customer"),
        Check(f"purchase_activity IS NOT NULL AND "
              f"{_mapped('purchase_activity', PURCHASE_ACTIVITY)} IS NULL",
              f"'purchase activity ''' || {_shown('purchase_activity')} || ''' is not one of: "
              f"{', '.join(PURCHASE_ACTIVITY)} (or empty)'"),
        _required("service_type", "service type"),
        _one_of("service_type", "service type", SERVICE_TYPES),
        _required("allows_notifications", "allow notifications"),
        _one_of("allows_notifications", "allow notifications", CONSENT),
        *_number_checks("marketing_contacts_6m", "marketing contacts (6-month average)"),
        *_number_checks("marketing_contacts_current_month", "marketing contacts (this month)"),
        *_number_checks("tenure_days", "tenure (days)", whole=True),
        *_number_checks("promotion_share", "promotion share", at_most=1),
        _required("popular_category", "popular category"),
        *_number_checks("categories_per_visit", "categories per visit"),
        *_number_checks("unpaid_items_3m", "unpaid items (3 months)", whole=True),
        *_number_checks("service_errors", "service errors", whole=True),
        *_number_checks("pages_per_visit", "pages per visit"),
    ),
    upsert_key="customer_id",
    trim=True,
    aliases=tuple(zip(_PUBLISHED_CUSTOMER_HEADERS, _CUSTOMER_COLUMNS, strict=True)),
)


def _monthly_spec(table: str, value: str, label: str, published: str,
                  english: tuple[str, ...]) -> CsvSpec:
    columns = ("customer_id", "period", value)
    return CsvSpec(
        table=table,
        columns=columns,
        typed=("customer_id", _mapped("period", PERIODS), _number(value)),
        checks=(
            _required("customer_id", "id"),
            _required("period", "period"),
            _one_of("period", "period", PERIODS),
            _once(("customer_id", "period"), columns, "customer"),
            *_number_checks(value, label),
        ),
        upsert_key=("customer_id", "period"),
        trim=True,
        aliases=(("id", "customer_id"), ("период", "period"), (published, value),
                 *((name, value) for name in english)),
    )


MARKET_REVENUE = _monthly_spec("market_revenue", "revenue_amount", "revenue", "выручка",
                               ("revenue",))
MARKET_MINUTES = _monthly_spec("market_minutes", "minutes", "minutes", "минут", ())
MARKET_PROFIT = CsvSpec(
    table="market_profit",
    columns=("customer_id", "profit_amount"),
    typed=("customer_id", _number("profit_amount")),
    checks=(
        _required("customer_id", "id"),
        _once(("customer_id",), ("customer_id", "profit_amount"), "customer"),
        *_number_checks("profit_amount", "profit", signed=True),
    ),
    upsert_key="customer_id",
    trim=True,
    aliases=(("id", "customer_id"), ("прибыль", "profit_amount"), ("profit", "profit_amount")),
)

MARKET_FILES = {
    "market_file.csv": MARKET_CUSTOMERS,
    "market_money.csv": MARKET_REVENUE,
    "market_time.csv": MARKET_MINUTES,
    "money.csv": MARKET_PROFIT,
}


def sniff_delimiter(path: Path) -> str:
    """``;`` when the header line has more semicolons than commas (``money.csv`` as published),
    else ``,``."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise IngestError(f"{path.name}: cannot read the header line: {error}") from error
    return ";" if header.count(";") > header.count(",") else ","


def _create_tables(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    con.execute(MARKET_SCHEMA.read_text(encoding="utf-8"))
    return {}


def _typo_counts(jobs: list[FileJob]) -> list[str]:
    """How many values of each known typo the files held (all were normalised)."""
    notes = []
    by_name = {job.path.name: locate_columns(job) for job in jobs}
    with duckdb.connect() as con:
        for file, column, typo, meant in KNOWN_TYPOS:
            job = by_name[file]
            position = job.positions[column]
            count = con.execute(
                f"SELECT count(*) FROM read_csv($path, columns = $columns, header = true, "  # noqa: S608 -- constants
                f"auto_detect = false, delim = $delim, quote = '\"', escape = '\"', "
                f"null_padding = true) WHERE lower(trim(c{position})) = $typo",
                {"path": str(job.path), "columns": {f"c{i}": "VARCHAR" for i in range(job.width)},
                 "delim": job.delimiter, "typo": typo},
            ).fetchone()[0]
            if count:
                notes.append(f"{file}: normalised {count:,} value(s) with the known typo "
                             f"{typo!r} to {meant!r} ({column}).")
    return notes


def ingest_market(db: Path, folder: Path, progress: bool = True) -> IngestSummary:
    """Load the four "One Click" files found in ``folder`` into warehouse ``db``, as one
    transaction; the summary says how many rows each file gave and which typos were normalised.

    Raises FileNotFoundError when a file is missing, IngestError (a ValueError) when a file lacks
    a column or has too many bad rows; nothing is written then.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No folder {folder}: expected one holding "
                                f"{', '.join(MARKET_FILES)}")
    missing = [name for name in MARKET_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}: the One Click data set has four files, "
            f"{', '.join(MARKET_FILES)}")
    jobs = [FileJob(spec, folder / name, name, delimiter=sniff_delimiter(folder / name))
            for name, spec in MARKET_FILES.items()]
    summary = run_load(Path(db), KIND, [LoadStep(job) for job in jobs], progress=progress,
                       prepare=_create_tables)
    return replace(summary, notes=[*summary.notes, *_typo_counts(jobs)])
