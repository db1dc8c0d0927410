"""Segment→Action board: rules that give each customer one action (``rules``, ``editor``), the
A/B design of a rule's audience and its launch as a campaign (``design``), the campaigns with
their groups and measured results (``campaigns``) and the audit log (``audit``); one module per
card, each with its layout and its callbacks."""

import dash

from dashboard.page import Page
from dashboard.pages.board import audit, campaigns, design, editor, layout, rules


def register_callbacks(app: dash.Dash) -> None:
    """Register every card's callbacks on ``app``."""
    for card in (rules, editor, design, campaigns, audit):
        card.register(app)


PAGE = Page(module=__name__, path="/board", name="Action board", order=4,
            title="Action board · Actionboard", layout=layout.layout,
            register_callbacks=register_callbacks)
