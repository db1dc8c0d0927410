"""Commands on a stored daily contact list: launch it as a campaign with a random hold-out,
and record that someone took its file.

Launching freezes the list of a report date (the visitors ``python app.py daily`` listed, read
from the store, never recomputed) as the audience of a campaign on the Action board: a random
share of it (10 % by default) is held out and not contacted, so the campaign's results measure
what contacting the list adds. The launch goes through the command side's explicit-audience
launch (``launch_audience``, source 'daily_list'), which splits by the salted hash, dates the
campaign by the campaign clock, leaves out customers of running campaigns and audits the launch;
a file taken is audited through ``log_segment_export``.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.experiments.assignment import validate_control_share
from warehouse.commands.audit import log_segment_export
from warehouse.commands.campaigns.launch import LaunchedCampaign, launch_audience
from warehouse.daily.settings import DailySettings
from warehouse.daily.store import DailyStore

DEFAULT_LIST_CONTROL_SHARE = 0.1
LIST_SOURCE = "daily_list"
LIST_ACTION = "Contact from the daily list"
LIST_OFFER = "personal contact"
LIST_KPI = "conversion rate"
LIST_SEGMENT = "daily_list"  # what the audit log names as the segment of a list file taken

log = logging.getLogger(__name__)


def list_audience(db: Path, report_date: date) -> pd.DataFrame:
    """The listed visitors of ``report_date`` as stored by the daily job: ``customer_id,
    conversion_probability, segment``, by rank. FileNotFoundError without a stored list."""
    path = DailyStore.for_db(db).listed(report_date)
    if not path.is_file():
        raise FileNotFoundError(f"no daily list is stored for {report_date}: run "
                          f"python app.py daily --date {report_date}")
    listed = pd.read_parquet(path, columns=["customer_id", "conversion_probability",
                                            "segment"])
    return listed.reset_index(drop=True)


def launch_daily_list(
    db: Path,
    report_date: date,
    *,
    user: str,
    control_share: float = DEFAULT_LIST_CONTROL_SHARE,
    channel: str = "email",
    name: str | None = None,
    ops_url: str | None = None,
) -> LaunchedCampaign:
    """Launch the stored list of ``report_date`` as a campaign holding out ``control_share`` of
    it at random, for the label's window (``horizon_days``); return what was stored.
    ValueError for a share outside (0, 0.5], an empty name, an unknown channel or an empty
    list; FileNotFoundError without a stored list."""
    share = validate_control_share(control_share)
    title = name.strip() if name is not None else f"Daily list {report_date.isoformat()}"
    if not title:
        raise ValueError("give the campaign a name")
    audience = list_audience(db, report_date)
    if audience.empty:
        raise ValueError(f"the list of {report_date} is empty: nothing to launch")
    launched = launch_audience(
        db, audience[["customer_id", "segment"]], user=user, name=title, action=LIST_ACTION,
        channel=channel, offer=LIST_OFFER, kpi=LIST_KPI, source=LIST_SOURCE,
        control_share=share, duration_days=DailySettings().horizon_days, ops_url=ops_url)
    log.info("daily list of %s launched as %s by %s", report_date, launched.campaign_id, user)
    return launched


def record_list_download(
    db: Path, report_date: date, file_name: str, rows: int, *, user: str,
    ops_url: str | None = None,
) -> None:
    """Record that ``user`` took the file ``file_name`` (``rows`` lines) of a daily list: a
    download from the page, or the copy the job hands out in its ``--out`` folder. Called
    before the file is handed out: if the audit row cannot be written, it is not."""
    log_segment_export(db, LIST_SEGMENT, rows, file_name, user=user, ops_url=ops_url)
    log.info("daily list file %s (%d customers, report date %s) taken by %s", file_name, rows,
             report_date, user)
