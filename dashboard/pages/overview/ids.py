"""Component ids of the Overview page, prefixed ``overview-`` so they
never collide with another page's (a test checks every id of the dashboard is unique)."""

OVERVIEW_BOUNDS_STORE = "overview-bounds-store"
OVERVIEW_STATE_STORE = "overview-state-store"
OVERVIEW_LINK_MESSAGE = "overview-link-message"
OVERVIEW_CONTENT = "overview-content"
OVERVIEW_DATE_RANGE = "overview-date-range"
OVERVIEW_DATE_START_INPUT = "overview-date-start"
OVERVIEW_DATE_END_INPUT = "overview-date-end"
OVERVIEW_QUICK_7 = "overview-quick-7"
OVERVIEW_QUICK_28 = "overview-quick-28"
OVERVIEW_QUICK_90 = "overview-quick-90"
OVERVIEW_QUICK_ALL = "overview-quick-all"
OVERVIEW_GRANULARITY = "overview-granularity"
OVERVIEW_MESSAGE = "overview-message"
OVERVIEW_PERIOD_LABEL = "overview-period-label"
OVERVIEW_KPI_CARDS = "overview-kpi-cards"
OVERVIEW_KPI_TREE = "overview-kpi-tree"
OVERVIEW_GMV_CHART = "overview-gmv-chart"
OVERVIEW_FUNNEL_CHART = "overview-funnel-chart"
OVERVIEW_TRENDS_CHART = "overview-trends-chart"
OVERVIEW_TRENDS_DIMENSION = "overview-trends-dimension"
OVERVIEW_TRENDS_TOP_N = "overview-trends-top-n"

# One value element per KPI card (key = the KPI's column in the period frame).
OVERVIEW_KPI_VALUE = {
    "gmv_amount": "overview-kpi-gmv-value",
    "traffic": "overview-kpi-traffic-value",
    "conversion_rate": "overview-kpi-conversion-value",
    "avg_ticket_amount": "overview-kpi-ticket-value",
}
OVERVIEW_KPI_CHANGE = {
    "gmv_amount": "overview-kpi-gmv-change",
    "traffic": "overview-kpi-traffic-change",
    "conversion_rate": "overview-kpi-conversion-change",
    "avg_ticket_amount": "overview-kpi-ticket-change",
}
