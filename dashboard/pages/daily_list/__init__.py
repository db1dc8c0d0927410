"""Daily list: today's visitors most likely to buy, earlier lists against what happened, the
backtest against the static formula, and the list's launch as a campaign."""

from dashboard.page import Page
from dashboard.pages.daily_list import callbacks, layout

PAGE = Page(module=__name__, path="/daily-list", name="Daily list", order=6,
            title="Daily list · Actionboard", layout=layout.layout,
            register_callbacks=callbacks.register_callbacks)
