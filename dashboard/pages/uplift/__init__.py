"""Uplift: whom each completed campaign persuaded — the learners compared on held-out customers,
the Qini curve, the deciles, the four response types, the money, and a launch of the top share
by predicted uplift with its own control group."""

from dashboard.page import Page
from dashboard.pages.uplift import callbacks, layout

PAGE = Page(module=__name__, path="/uplift", name="Uplift", order=5,
            title="Uplift · Actionboard", layout=layout.layout,
            register_callbacks=callbacks.register_callbacks)
