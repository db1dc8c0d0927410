"""The decline model's published tables: what the decline job stores per model version (one
Parquet file per table in ``<db stem>.decline/v<version>/``) and the refresh copies into each
snapshot, so the Decline risk page and the rules read them like any other table.

| table | one row per | key |
|---|---|---|
| ``customer_decline`` | scored customer | ``customer_id`` |
| ``decline_contributions`` | scored customer × feature | ``(customer_id, feature)`` |
| ``decline_families`` | model family searched | ``family`` |
| ``decline_metrics`` | test or training figure of the chosen model | ``metric`` |
| ``decline_calibration`` | probability bin of the test split | ``bin`` |
| ``decline_checks`` | feature (multicollinearity and leakage) | ``feature`` |
| ``decline_importance`` | feature (mean absolute SHAP value) | ``feature`` |
| ``decline_groups`` | risk band × profit band | ``(risk_band, profit_band)`` |
| ``decline_run`` | the run published (one row; none before the first run) | — |
"""

from __future__ import annotations

CUSTOMER_DECLINE = "customer_decline"
MODEL_NAME = "decline_risk"  # in the model registry and the prediction log
RESULTS_SUFFIX = ".decline"
EVENTS, MARKET = "events", "market"  # the two sources of the customer activity profile

DECLINE_TABLES: dict[str, str] = {
    CUSTOMER_DECLINE: """
        customer_id          VARCHAR NOT NULL,
        decline_risk         DOUBLE  NOT NULL,  -- probability that purchasing decreases
        decline_top_reason   VARCHAR,           -- feature raising the risk most (NULL: none)
        decline_risk_band    VARCHAR NOT NULL,  -- low | medium | high
        decline_profit_band  VARCHAR NOT NULL,  -- high | low
        allows_notifications VARCHAR,           -- yes | no | NULL: the source records none
        monthly_profit       DOUBLE,
        monthly_revenue      DOUBLE  NOT NULL,
        popular_category     VARCHAR,
        purchase_activity    VARCHAR,           -- the known label, if any
        split                VARCHAR,           -- train | test | NULL: not trained on
        model_output         DOUBLE  NOT NULL,  -- what the explanation sums to (its unit in run)
        reasons              VARCHAR NOT NULL   -- the five largest contributions, in words
    """,
    "decline_contributions": """
        customer_id  VARCHAR NOT NULL,
        feature      VARCHAR NOT NULL,
        label        VARCHAR NOT NULL,
        value        VARCHAR NOT NULL,           -- as shown in a reason
        value_number DOUBLE,                     -- NULL for a category
        value_scaled DOUBLE,                     -- 0-1 rank among the scored customers
        contribution DOUBLE  NOT NULL,           -- SHAP value, in the run's unit
        rank         INTEGER NOT NULL,           -- 1 = largest absolute contribution
        reason       VARCHAR NOT NULL            -- "promotion share 0.9: +0.21"
    """,
    "decline_families": """
        family       VARCHAR NOT NULL,
        label        VARCHAR NOT NULL,
        candidates   INTEGER NOT NULL,
        cv_mean      DOUBLE  NOT NULL,
        cv_sd        DOUBLE  NOT NULL,
        test_roc_auc DOUBLE,
        explainable  BOOLEAN NOT NULL,
        is_chosen    BOOLEAN NOT NULL,
        params       VARCHAR NOT NULL,
        fit_seconds  DOUBLE
    """,
    "decline_metrics": """
        metric VARCHAR NOT NULL,
        value  DOUBLE
    """,
    "decline_calibration": """
        bin            INTEGER NOT NULL,
        lower          DOUBLE  NOT NULL,
        upper          DOUBLE  NOT NULL,
        customers      BIGINT  NOT NULL,
        mean_predicted DOUBLE,
        observed_rate  DOUBLE,
        abs_gap        DOUBLE
    """,
    "decline_checks": """
        feature         VARCHAR NOT NULL,
        label           VARCHAR NOT NULL,
        kind            VARCHAR NOT NULL,
        single_auc      DOUBLE,
        vif             DOUBLE,
        correlated_with VARCHAR NOT NULL,
        is_leak         BOOLEAN NOT NULL
    """,
    "decline_importance": """
        feature       VARCHAR NOT NULL,
        label         VARCHAR NOT NULL,
        mean_abs      DOUBLE  NOT NULL,
        mean_positive DOUBLE  NOT NULL
    """,
    "decline_groups": """
        risk_band              VARCHAR NOT NULL,
        profit_band            VARCHAR NOT NULL,
        customers              BIGINT  NOT NULL,
        share                  DOUBLE  NOT NULL,
        mean_risk              DOUBLE,
        revenue_amount         DOUBLE  NOT NULL,
        revenue_at_risk_amount DOUBLE  NOT NULL,
        main_reasons           VARCHAR NOT NULL
    """,
    "decline_run": """
        model            VARCHAR   NOT NULL,
        version          INTEGER   NOT NULL,
        source           VARCHAR   NOT NULL,  -- events | market
        as_of            DATE      NOT NULL,
        train_cutoff_at  TIMESTAMP,           -- events: features end here, the label starts
        trained_at       TIMESTAMP NOT NULL,
        family           VARCHAR   NOT NULL,
        family_label     VARCHAR   NOT NULL,
        params           VARCHAR   NOT NULL,
        explainer        VARCHAR   NOT NULL,  -- linear | tree
        unit             VARCHAR   NOT NULL,  -- log-odds | probability
        base_value       DOUBLE    NOT NULL,
        threshold        DOUBLE    NOT NULL,
        medium_from      DOUBLE    NOT NULL,
        high_above       DOUBLE    NOT NULL,
        profit_threshold DOUBLE    NOT NULL,
        period_days      INTEGER,
        decline_share    DOUBLE,
        margin_rate      DOUBLE,
        features         VARCHAR   NOT NULL,  -- comma-separated
        notes            VARCHAR   NOT NULL   -- what the user should know, one per line
    """,
}


def create_sql(table: str) -> str:
    """``CREATE OR REPLACE TABLE`` of one published decline table."""
    return f"CREATE OR REPLACE TABLE {table} ({DECLINE_TABLES[table]})"
