"""Segments: who the customers are. A treemap of RFM and behavioural segments, a segment's profile
with its customers (and a CSV of all of them), the R × F grid and the behavioural clusters."""

from dashboard.page import Page
from dashboard.pages.segments import callbacks, layout

PAGE = Page(module=__name__, path="/segments", name="Segments", order=1,
            title="Segments · Actionboard", layout=layout.layout,
            register_callbacks=callbacks.register_callbacks)
