"""Executive overview: headline KPIs, what drove the GMV change, GMV over time, the funnel and
product trends, for a chosen date range against the previous period of the same length."""

from dashboard.page import Page
from dashboard.pages.overview import callbacks, layout

PAGE = Page(module=__name__, path="/", name="Overview", order=0, title="Overview · Actionboard",
            layout=layout.layout, register_callbacks=callbacks.register_callbacks)
