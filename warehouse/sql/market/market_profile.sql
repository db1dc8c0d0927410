-- The customer activity profile from the "One Click" files (raw.market_*, loaded by
-- python app.py ingest-market): one row per customer of market_customers; key customer_id.
-- Feeds the decline model (warehouse/decline/): the contract of analytics/decline/contract.py,
-- with revenue and minutes pivoted from one row per month to one column per month and profit
-- joined. A month missing from market_money.csv or market_time.csv is NULL (the model imputes
-- it); a customer without revenue in some month is kept here and left out by the decline job,
-- which keeps customers active in all three months, as the published studies do.

WITH

customers AS (SELECT * FROM raw.market_customers),
revenue AS (SELECT * FROM raw.market_revenue),
minutes AS (SELECT * FROM raw.market_minutes),
profit AS (SELECT * FROM raw.market_profit),

revenue_by_month AS (
    SELECT
        customer_id,
        any_value(revenue_amount) FILTER (WHERE period = 'current_month')  AS revenue_current_month,
        any_value(revenue_amount) FILTER (WHERE period = 'previous_month') AS revenue_previous_month,
        any_value(revenue_amount) FILTER (WHERE period = 'earlier_month')  AS revenue_earlier_month
    FROM revenue
    GROUP BY customer_id
),

minutes_by_month AS (
    SELECT
        customer_id,
        any_value(minutes) FILTER (WHERE period = 'current_month')  AS minutes_current_month,
        any_value(minutes) FILTER (WHERE period = 'previous_month') AS minutes_previous_month
    FROM minutes
    GROUP BY customer_id
)

SELECT
    customers.customer_id,
    customers.purchase_activity,
    customers.service_type,
    customers.allows_notifications,
    customers.marketing_contacts_6m,
    customers.marketing_contacts_current_month,
    CAST(customers.tenure_days AS DOUBLE)        AS tenure_days,
    customers.promotion_share,
    customers.popular_category,
    customers.categories_per_visit,
    CAST(customers.unpaid_items_3m AS DOUBLE)    AS unpaid_items_3m,
    CAST(customers.service_errors AS DOUBLE)     AS service_errors,
    customers.pages_per_visit,
    revenue_by_month.revenue_current_month,
    revenue_by_month.revenue_previous_month,
    revenue_by_month.revenue_earlier_month,
    minutes_by_month.minutes_current_month,
    minutes_by_month.minutes_previous_month,
    profit.profit_amount                          AS monthly_profit
FROM customers
LEFT JOIN revenue_by_month USING (customer_id)
LEFT JOIN minutes_by_month USING (customer_id)
LEFT JOIN profit USING (customer_id)
ORDER BY customers.customer_id
