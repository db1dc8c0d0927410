"""Decline risk: which customers are buying less than before, why, and what they are worth.

``contract`` (the customer activity profile every source delivers), ``checks``
(multicollinearity and leakage), ``search`` (five model families searched, one chosen, tested
once), ``explain`` (SHAP values and reasons in plain words), ``segments`` (risk × profit groups).
Pure: frames in, frames out; no database, no page.
"""
