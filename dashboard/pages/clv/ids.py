"""Component ids of the CLV page, prefixed ``clv-`` so they
never collide with another page's (a test checks every id of the dashboard is unique)."""

CLV_MESSAGE = "clv-message"
CLV_MODEL_ALERTS = "clv-model-alerts"
CLV_CORRELATION = "clv-correlation"
CLV_METRICS = "clv-metrics"
CLV_HISTOGRAM = "clv-histogram"
CLV_P_ALIVE_HEATMAP = "clv-p-alive-heatmap"
CLV_HOLDOUT_CHART = "clv-holdout-chart"
CLV_TOP_LIMIT = "clv-top-limit"
CLV_TOP_MESSAGE = "clv-top-message"
CLV_TOP_GRID = "clv-top-grid"
CLV_PARAMS_GRID = "clv-params-grid"
