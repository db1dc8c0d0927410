"""CLV conventions shared by the model (``analytics/clv.py``) and the warehouse's CLV queries,
kept apart so that reading them does not import ``lifetimes``."""

TOP_FREQUENCY_BUCKET = 7  # calibration frequency buckets 0, 1, …, 6 and "7+" (holdout, P(alive))
# How the purchase models are named to users (the same labels as ``analytics.clv``'s models).
PURCHASE_MODEL_LABELS = {"bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD"}
