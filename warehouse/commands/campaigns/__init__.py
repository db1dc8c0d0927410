"""Campaigns: launch a rule's audience as a frozen A/B test, list and read them, export their
groups, import a finished one from a file."""

from warehouse.commands.campaigns.assignment import rule_audience
from warehouse.commands.campaigns.export import (
    EXPORT_COLUMNS,
    campaign_group_csv,
    export_campaign,
    export_file_name,
)
from warehouse.commands.campaigns.imports import import_campaign_file
from warehouse.commands.campaigns.launch import (
    DEFAULT_CONTROL_SHARE,
    DEFAULT_DURATION_DAYS,
    launch_campaign,
)
from warehouse.commands.campaigns.storage import (
    GROUPS,
    UnknownCampaignError,
    fetch_campaign,
    list_campaigns,
)

__all__ = [
    "DEFAULT_CONTROL_SHARE", "DEFAULT_DURATION_DAYS", "EXPORT_COLUMNS", "GROUPS",
    "UnknownCampaignError", "campaign_group_csv", "export_campaign", "export_file_name",
    "fetch_campaign", "import_campaign_file", "launch_campaign", "list_campaigns",
    "rule_audience",
]
