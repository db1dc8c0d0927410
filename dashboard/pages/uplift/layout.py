"""The Uplift page's layout: the campaign (or pool) picker, the evidence (filled by
``callbacks.py``), the money's inputs and the targeted launch."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import components
from dashboard.access import CAMPAIGN_OWNER, visible_to
from dashboard.data import DataUnavailableError, query
from dashboard.errors import shown
from dashboard.pages.uplift import ids
from warehouse.queries import uplift as queries

NO_MODEL = ("No uplift model yet: it is learnt from a completed campaign with a control group. "
            "Launch one on the Action board (or load one with `python app.py ingest-campaign`), "
            "let its window pass and refresh.")
POOLS_EXPLAINED = ("Pools follow the campaigns: several completed campaigns with the same action "
                   "learnt together. Learn one with `python app.py uplift --campaigns A,B`, then "
                   "refresh.")
TYPES_EXPLAINED = ("Types from the predicted chance to convert with (p₁) and without (p₀) "
                   "contact: persuadable when p₁ − p₀ ≥ 1 point, do-not-disturb when ≤ −1 point, "
                   "otherwise sure thing when p₀ ≥ 50 %, else lost cause. A model learnt on one "
                   "audience extrapolates to other customers: target by the ranking, not the "
                   "label.")


def campaign_options(models) -> list[dict[str, str]]:
    return [{"label": f"{row.name} ({row.campaign_id})"
             + (" — scores published" if row.is_published else ""),
             "value": row.campaign_id}
            for row in models.itertuples() if row.is_trained]


def _field(component_id: str, label: str, control: object, width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=component_id), control], xs=12, md=width)


def _economics_card() -> dbc.Card:
    inputs = dbc.Row([
        _field(ids.UPLIFT_TOP, "Contact the top (%)",
               dbc.Input(id=ids.UPLIFT_TOP, type="number", min=1, max=100, step=1, value=30)),
        _field(ids.UPLIFT_COST, "Cost per contact",
               dbc.Input(id=ids.UPLIFT_COST, type="number", min=0, step="any", value=1)),
        _field(ids.UPLIFT_MARGIN, "Margin per conversion (empty: revenue per conversion)",
               dbc.Input(id=ids.UPLIFT_MARGIN, type="number", min=0, step="any"), width=6),
    ], className="g-3 mb-2")
    return dbc.Card([html.H4("The money", className="mb-2"), inputs,
                     html.Div(id=ids.UPLIFT_ECONOMICS)], body=True, className="mb-3")


def _launch_card() -> dbc.Card:
    controls = dbc.Row([
        _field(ids.UPLIFT_NAME, "Campaign name (optional)",
               dbc.Input(id=ids.UPLIFT_NAME, type="text", maxLength=120), width=5),
        dbc.Col([dbc.Button("Target the persuadables", id=ids.UPLIFT_LAUNCH, color="primary",
                            className="me-2"),
                 dbc.Button("Create a rule instead", id=ids.UPLIFT_RULE, color="secondary",
                            outline=True)],
                xs=12, md=4, className="d-flex align-items-end"),
    ], className="g-3 mb-2")
    return dbc.Card([
        html.H4("Target the persuadables", className="mb-2"),
        html.P("Launches the top share above (by the published uplift score) as a campaign on the "
               "board with its own random control group (20 %, 28 days), so its result measures "
               "the targeting itself. Or creates a rule on the board — response type persuadable "
               "and uplift score in the top share of all customers — that follows every "
               "refresh's scores.", className="text-muted small mb-2"),
        html.Div(id=ids.UPLIFT_TARGET_REASON, className="text-muted small mb-2"),
        controls, html.Div(id=ids.UPLIFT_LAUNCHED)], body=True, className="mb-3",
        style=visible_to(CAMPAIGN_OWNER))


def _import_card() -> dbc.Card:
    fields = dbc.Row([
        _field(ids.UPLIFT_IMPORT_NAME, "Campaign name",
               dbc.Input(id=ids.UPLIFT_IMPORT_NAME, type="text", maxLength=120), width=4),
        _field(ids.UPLIFT_IMPORT_START, "First day (YYYY-MM-DD; empty: end of the data)",
               dbc.Input(id=ids.UPLIFT_IMPORT_START, type="text", maxLength=10), width=4),
        _field(ids.UPLIFT_IMPORT_END, "Last day (empty: the first day)",
               dbc.Input(id=ids.UPLIFT_IMPORT_END, type="text", maxLength=10), width=4),
    ], className="g-3 mb-2")
    upload = dcc.Upload(id=ids.UPLIFT_IMPORT_FILE, multiple=False,
                        children=html.Div(["Drop the results CSV here or ", html.A("choose it")]),
                        className="ab-upload border rounded p-3 text-center mb-2")
    return dbc.Card([
        html.H4("Load a campaign run elsewhere", className="mb-2"),
        html.P("A CSV with customer_id, group (treatment or control), converted (0 or 1), "
               "optionally revenue and your own columns. Bad rows are set aside with their line "
               "and reason; loading the same name again replaces it. The next refresh measures it "
               "and learns from it.", className="text-muted small mb-2"),
        fields, upload, html.Div(id=ids.UPLIFT_IMPORTED)], body=True, className="mb-3",
        style=visible_to(CAMPAIGN_OWNER))


def layout(**_query: str) -> html.Div:
    header = components.page_header(
        "Uplift", "Whom a campaign persuaded: learnt from its random control group, judged on "
        "customers the models never saw.")
    try:
        models = query(queries.uplift_models)
    except DataUnavailableError as error:
        return html.Div([header, components.message(shown(error),
                                                    component_id=ids.UPLIFT_MESSAGE),
                         _import_card()])
    options = campaign_options(models)
    if not options:
        reasons = [f"{row.campaign_id}: {row.reason}" for row in models.itertuples()
                   if not row.is_trained]
        text = NO_MODEL + (" Not learnt: " + "; ".join(reasons) if reasons else "")
        return html.Div([header, components.message(text, component_id=ids.UPLIFT_MESSAGE),
                         _import_card()])
    published = next((row.campaign_id for row in models.itertuples()
                      if row.is_trained and row.is_published), options[0]["value"])
    picker = dbc.Row(_field(ids.UPLIFT_CAMPAIGN, "Campaign or pool", dbc.Select(
        id=ids.UPLIFT_CAMPAIGN, options=options, value=published), width=8), className="mb-1")
    pools = html.P(POOLS_EXPLAINED, id=ids.UPLIFT_POOL_NOTE, className="text-muted small mb-2")
    evidence = dbc.Card([
        html.Div(id=ids.UPLIFT_SUMMARY, className="mb-2"),
        html.Div(id=ids.UPLIFT_LEARNERS, className="mb-2"),
        dbc.Row([dbc.Col(components.graph(ids.UPLIFT_QINI, 400), md=6),
                 dbc.Col(components.graph(ids.UPLIFT_DECILES, 400), md=6)]),
        html.H5("Response types", className="mt-2"),
        html.P(TYPES_EXPLAINED, className="text-muted small mb-2"),
        html.Div(id=ids.UPLIFT_TYPES),
    ], body=True, className="mb-3")
    return html.Div([header, html.Div(id=ids.UPLIFT_MESSAGE), picker, pools, evidence,
                     _economics_card(), _launch_card(), _import_card()])
