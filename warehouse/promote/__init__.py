"""Promote an item (issue 16): the item propensity job (``job``: rows at consecutive cut-offs
from ``data``, models fitted, chosen, registered, logged, reported, results stored by
``results``) and the grocery demo's continuation with its push campaigns (``simulate``).
``settings`` holds the defaults the CLI and the page show; it imports nothing heavy."""
