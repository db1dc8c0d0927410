"""Migration: how segment sizes evolve over the period ends, and where customers moved between two
chosen snapshots (Sankey and transition matrix)."""

from dashboard.page import Page
from dashboard.pages.migration import callbacks, layout

PAGE = Page(module=__name__, path="/migration", name="Migration", order=2,
            title="Migration · Actionboard", layout=layout.layout,
            register_callbacks=callbacks.register_callbacks)
