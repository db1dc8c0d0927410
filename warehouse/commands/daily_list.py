"""Commands on a stored daily contact list: launch it as a campaign with a random hold-out,
and record that someone took its file.

Launching freezes the list of a report date (the visitors ``python app.py daily`` listed, read
from the store, never recomputed) as the audience of a campaign on the Action board: a random
share of it (10 % by default) is held out and not contacted, so the campaign's results measure
what contacting the list adds. The launch itself and the audit rows go through the command
side's campaign launch for an explicit audience and its audit log (see the ``# wire:`` notes).
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.experiments.assignment import validate_control_share
from warehouse.daily.settings import DailySettings
from warehouse.daily.store import DailyStore

DEFAULT_LIST_CONTROL_SHARE = 0.1
LIST_ACTION = "Contact from the daily list"
LIST_KPI = "conversion rate"

log = logging.getLogger(__name__)


class ListLaunchUnavailableError(RuntimeError):
    """This installation cannot launch a list as a campaign yet."""


def list_audience(db: Path, report_date: date) -> pd.DataFrame:
    """The listed visitors of ``report_date`` as stored by the daily job: ``customer_id,
    conversion_probability, segment``, by rank. LookupError without a stored list."""
    path = DailyStore.for_db(db).listed(report_date)
    if not path.is_file():
        raise LookupError(f"no daily list is stored for {report_date}: run "
                          f"python app.py daily --date {report_date}")
    listed = pd.read_parquet(path, columns=["customer_id", "conversion_probability",
                                            "segment"])
    return listed.reset_index(drop=True)


def launch_daily_list(
    db: Path,
    report_date: date,
    *,
    control_share: float = DEFAULT_LIST_CONTROL_SHARE,
    channel: str = "email",
    name: str | None = None,
    user: str | None = None,
) -> str:
    """Launch the stored list of ``report_date`` as a campaign holding out ``control_share`` of
    it at random; return the campaign id. ValueError for a share outside (0, 0.5] or an empty
    name, LookupError without a stored list."""
    share = validate_control_share(control_share)
    title = (name or f"Daily list {report_date.isoformat()}").strip()
    if not title:
        raise ValueError("give the campaign a name")
    audience = list_audience(db, report_date)
    if audience.empty:
        raise ValueError(f"the list of {report_date} is empty: nothing to launch")
    duration = DailySettings().horizon_days
    return _launch_explicit_audience(db, audience, name=title, channel=channel,
                                     control_share=share, duration_days=duration, user=user)


def _launch_explicit_audience(
    db: Path,
    audience: pd.DataFrame,
    *,
    name: str,
    channel: str,
    control_share: float,
    duration_days: int,
    user: str | None,
) -> str:
    # wire: return warehouse.commands.launch_campaign(
    #     db, audience=audience[["customer_id", "segment"]], name=name, action=LIST_ACTION,
    #     channel=channel, offer="", kpi=LIST_KPI, control_share=control_share,
    #     duration_days=duration_days, source="daily_list", user=user)
    # -- the command side's launch for an explicit audience: it freezes the ids, splits them
    # into treatment and control by the salted hash (campaigns/assignment.py), dates the
    # campaign at the end of the data, leaves out customers already in a running campaign and
    # audits the launch in the same transaction. Until it is wired, refuse plainly.
    raise ListLaunchUnavailableError(
        f"Launching a list as a campaign is not available in this installation yet; the list "
        f"of {len(audience):,} visitors is ready to launch once it is.")


def record_list_download(
    db: Path, report_date: date, file_name: str, rows: int, user: str | None = None
) -> None:
    """Record that ``user`` took the file ``file_name`` (``rows`` lines) of a daily list: a
    download from the page, or the copy the job hands out in its ``--out`` folder."""
    # wire: warehouse.commands.log_segment_export(db, file_name=file_name, row_count=rows,
    #     user=user) -- the command side's audit of a customer-list export (event 'export').
    log.info("daily list file %s (%d customers, report date %s) taken by %s", file_name, rows,
             report_date, user or "an anonymous user")
