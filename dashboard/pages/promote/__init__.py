"""Promote an item: search an item, see the customers most likely to buy it in a large basket
with suggested audience sizes and the guardrails' removals, and launch the push with a hold-out."""

from dashboard.page import Page
from dashboard.pages.promote import callbacks, layout

PAGE = Page(module=__name__, path="/promote", name="Promote an item", order=8,
            title="Promote an item · Actionboard", layout=layout.layout,
            register_callbacks=callbacks.register_callbacks)
