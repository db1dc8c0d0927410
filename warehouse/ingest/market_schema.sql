-- Raw tables of the "One Click" customer-activity files (python app.py ingest-market DIR): one row
-- per customer (and period), English names and values; created by the first market load.

CREATE TABLE IF NOT EXISTS market_customers (      -- market_file.csv; key customer_id
    customer_id                      VARCHAR PRIMARY KEY,
    purchase_activity                VARCHAR,          -- decreased | previous level | NULL: not labelled
    service_type                     VARCHAR NOT NULL, -- premium | standard
    allows_notifications             VARCHAR NOT NULL, -- yes | no
    marketing_contacts_6m            DOUBLE  NOT NULL, -- per month, 6-month average
    marketing_contacts_current_month DOUBLE  NOT NULL,
    tenure_days                      BIGINT  NOT NULL, -- days since registration
    promotion_share                  DOUBLE  NOT NULL, -- 0-1, purchases on promotion, 6 months
    popular_category                 VARCHAR NOT NULL, -- most bought category, 6 months
    categories_per_visit             DOUBLE  NOT NULL, -- last month
    unpaid_items_3m                  BIGINT  NOT NULL, -- unpaid items in the cart, 3 months
    service_errors                   BIGINT  NOT NULL,
    pages_per_visit                  DOUBLE  NOT NULL  -- last 3 months
);

CREATE TABLE IF NOT EXISTS market_revenue (        -- market_money.csv; key (customer_id, period)
    customer_id    VARCHAR NOT NULL,
    period         VARCHAR NOT NULL,                  -- current_month | previous_month | earlier_month
    revenue_amount DOUBLE  NOT NULL,
    PRIMARY KEY (customer_id, period)
);

CREATE TABLE IF NOT EXISTS market_minutes (        -- market_time.csv; key (customer_id, period)
    customer_id VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,                     -- current_month | previous_month | earlier_month
    minutes     DOUBLE  NOT NULL,                     -- minutes on site in the period
    PRIMARY KEY (customer_id, period)
);

CREATE TABLE IF NOT EXISTS market_profit (         -- money.csv; key customer_id
    customer_id   VARCHAR PRIMARY KEY,
    profit_amount DOUBLE  NOT NULL                    -- average monthly profit, last 3 months
);
