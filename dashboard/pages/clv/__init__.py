"""CLV: what each buyer is worth over the next months (BG/NBD purchases × Gamma-Gamma spend), how
likely they are still active, the top customers, the fitted model and how well it predicted a
holdout period."""

from dashboard.page import Page
from dashboard.pages.clv import callbacks, layout

PAGE = Page(module=__name__, path="/clv", name="CLV", order=3, title="CLV · Actionboard",
            layout=layout.layout, register_callbacks=callbacks.register_callbacks)
