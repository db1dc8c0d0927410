"""Decline risk: whose purchasing is falling (the decline model's probability), why (SHAP
reasons), what each risk × profit group is worth, the model comparison and its test, a customer's
explanation, and the Action board rules for the groups."""

from dashboard.page import Page
from dashboard.pages.decline import callbacks, layout

PAGE = Page(module=__name__, path="/decline", name="Decline risk", order=7,
            title="Decline risk · Actionboard", layout=layout.layout,
            register_callbacks=callbacks.register_callbacks)
