"""Loading a push consent / opt-out list into the raw table ``push_consent``.

Columns, found by header name: ``customer_id`` and optionally ``consent`` (1/0, true/false,
yes/no), ``opted_out_at`` (ISO date or datetime; UTC unless it carries an offset) and
``time_zone`` (an IANA name such as ``Europe/Paris``, for quiet hours). Without a ``consent``
value a row grants consent unless it carries an opt-out date, so a bare opt-out list
(``customer_id, opted_out_at``) works as it is. A customer's latest row replaces the earlier one,
so loading a list again adds nothing. A customer absent from every list has no recorded consent
and is never pushed to.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.ingest.csv_load import LoadStep, run_load
from warehouse.ingest.csv_spec import Check, CsvSpec, FileJob
from warehouse.ingest.load_summary import IngestError, IngestSummary

__all__ = ["CONSENT", "IngestError", "IngestSummary", "ingest_consent"]

YES = ("1", "true", "yes", "y")
NO = ("0", "false", "no", "n")
_OPTED_OUT_AT = "TRY_CAST(opted_out_at AS TIMESTAMPTZ)"  # the load's session time zone is UTC
_CONSENT = (f"CASE WHEN lower(consent) IN {YES} THEN true WHEN lower(consent) IN {NO} "
            "THEN false ELSE opted_out_at IS NULL END")

CONSENT = CsvSpec(
    table="push_consent",
    columns=("customer_id", "consent", "opted_out_at", "time_zone"),
    optional=("consent", "opted_out_at", "time_zone"),
    typed=("customer_id", _CONSENT, f"timezone('UTC', {_OPTED_OUT_AT})", "time_zone"),
    checks=(
        Check("customer_id IS NULL", "'customer_id is empty'"),
        Check(
            f"consent IS NOT NULL AND lower(consent) NOT IN {YES + NO}",
            "'consent ''' || left(consent, 40) || ''' is not 1/0, true/false or yes/no'",
        ),
        Check(
            f"opted_out_at IS NOT NULL AND {_OPTED_OUT_AT} IS NULL",
            "'opted_out_at ''' || left(opted_out_at, 40) || ''' is not an ISO date or datetime'",
        ),
        Check(
            "time_zone IS NOT NULL AND time_zone NOT IN (SELECT name FROM pg_timezone_names())",
            "'time_zone ''' || left(time_zone, 40) || ''' is not a time zone name such as "
            "Europe/Paris'",
        ),
        Check(
            "count(DISTINCT (consent, opted_out_at, time_zone)) "
            "OVER (PARTITION BY customer_id) > 1",
            "'customer ' || customer_id || ' is listed more than once with different values'",
        ),
    ),
    upsert_key="customer_id",
    trim=True,
)


def ingest_consent(db: Path, file: Path, progress: bool = True) -> IngestSummary:
    """Load one consent list (``.csv`` or ``.csv.gz``) into ``push_consent`` as one transaction.

    Bad lines go to ``rejected_rows`` unless more than 5% are bad, which refuses the load
    (:class:`IngestError`, nothing written).
    """
    file = Path(file)
    if not file.is_file():
        raise FileNotFoundError(
            f"No consent file {file}: expected a CSV with columns customer_id [, consent, "
            "opted_out_at, time_zone]")
    return run_load(Path(db), "consent", [LoadStep(FileJob(CONSENT, file, file.name))],
                    progress=progress)
