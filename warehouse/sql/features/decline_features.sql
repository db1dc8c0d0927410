-- Features: the customer activity profile of the decline model (analytics/decline/contract.py),
-- one row per customer who bought in each of the three periods before the cut-off
-- getvariable('cutoff_at'); key customer_id. Feeds warehouse/decline/sources.py, which trains at
-- one cut-off (the label follows it: warehouse/sql/labels/decline_labels.sql) and scores at the
-- as-of date.
--
-- Point in time: it reads the staging views and order_lines as warehouse/features.py points them
-- at the cut-off, so nothing dated at or after it counts, plus campaign_contacts (customer_id,
-- launched_at, ends_at, has_offer: the treatment rows of launched campaigns, from the operational
-- store), of which only campaigns launched before the cut-off count.
--
-- A "month" is a period of getvariable('decline_period_days') days (30 by default) ending at the
-- cut-off: month 1 = [cut-off − 1 period, cut-off), month 2 the one before, and so on.
--   revenue_current/previous/earlier_month   sum of line_amount in months 1, 2, 3
--   marketing_contacts_6m                    campaigns (in treatment) launched in months 1–6, / 6
--   marketing_contacts_current_month         campaigns (in treatment) launched in month 1
--   tenure_days                              days from the first activity (event or order) to
--                                            the cut-off (the warehouse knows no registration)
--   promotion_share                          share of the order lines of months 1–6 bought at
--                                            least 5 % below the item's usual price (the median
--                                            of its price records before the cut-off, else of
--                                            its sold prices) or while the customer was in the
--                                            treatment group of a campaign with an offer
--   popular_category                         root category of most order lines in months 1–6
--                                            (ties: the latest bought), "category <id>"
--   categories_per_visit                     distinct categories viewed per visit, month 1
--   pages_per_visit                          product views per visit, months 1–3
--   minutes_current/previous_month           minutes inside visits started in months 1, 2
--   unpaid_items_3m                          items added to the cart in months 1–3 and not bought
--                                            after the (first) add
-- A visit is a run of behaviour events with gaps under 30 minutes (as in customer_features); an
-- orders-file warehouse has no events, so its visit columns and popular category are NULL, and
-- the decline job leaves such all-empty columns out. Service type, notification consent and
-- service errors have no source in the warehouse: they are absent, not invented.

WITH

events AS (SELECT * FROM stg_events),
lines AS (SELECT * FROM order_lines),
item_prices AS (SELECT * FROM stg_item_prices),
item_categories AS (SELECT * FROM stg_item_categories),
contacts AS (SELECT * FROM campaign_contacts),

bounds AS (
    SELECT
        getvariable('cutoff_at')                                                AS cutoff_at,
        86400.0 * coalesce(getvariable('decline_period_days'), 30)              AS period_seconds,
        to_days(CAST(coalesce(getvariable('decline_period_days'), 30) AS INTEGER)) AS period
),

line_months AS (
    SELECT
        lines.*,
        CAST(ceil(epoch(bounds.cutoff_at - lines.ordered_at) / bounds.period_seconds)
             AS INTEGER) AS month
    FROM lines
    CROSS JOIN bounds
),

qualified AS (
    SELECT customer_id, TRY_CAST(customer_id AS BIGINT) AS visitor_key
    FROM line_months
    WHERE month <= 3
    GROUP BY customer_id
    HAVING count(DISTINCT month) = 3
),

revenue AS (
    SELECT
        customer_id,
        sum(line_amount) FILTER (WHERE month = 1)      AS revenue_current_month,
        sum(line_amount) FILTER (WHERE month = 2)      AS revenue_previous_month,
        sum(line_amount) FILTER (WHERE month = 3)      AS revenue_earlier_month,
        min(ordered_at)                                AS first_order_at
    FROM line_months
    SEMI JOIN qualified USING (customer_id)
    GROUP BY customer_id
),

usual_list_prices AS (
    SELECT item_id, median(price_amount) AS usual_price
    FROM item_prices
    WHERE price_amount > 0
    GROUP BY item_id
),

usual_sold_prices AS (
    SELECT item_id, median(price_amount) AS usual_price
    FROM lines
    WHERE price_amount > 0
    GROUP BY item_id
),

recent_lines AS (  -- order lines of months 1-6 of the qualified customers
    SELECT line_months.*
    FROM line_months
    SEMI JOIN qualified USING (customer_id)
    WHERE month <= 6
),

offer_lines AS (  -- lines bought while in the treatment group of a campaign with an offer
    SELECT DISTINCT line.order_id, line.line_number
    FROM recent_lines AS line
    JOIN contacts AS contact
        ON contact.customer_id = line.customer_id
        AND line.ordered_at >= contact.launched_at
        AND line.ordered_at < contact.ends_at
        AND contact.has_offer
),

promotion AS (
    SELECT
        line.customer_id,
        avg(CASE
                WHEN offer.order_id IS NOT NULL THEN 1.0
                WHEN line.price_amount < 0.95 * coalesce(listed.usual_price, sold.usual_price)
                    THEN 1.0
                ELSE 0.0
            END)                                          AS promotion_share
    FROM recent_lines AS line
    LEFT JOIN usual_list_prices AS listed USING (item_id)
    LEFT JOIN usual_sold_prices AS sold USING (item_id)
    LEFT JOIN offer_lines AS offer USING (order_id, line_number)
    GROUP BY line.customer_id
),

category_counts AS (
    SELECT customer_id, root_category_id, count(*) AS count_lines, max(ordered_at) AS last_at
    FROM recent_lines
    WHERE root_category_id IS NOT NULL
    GROUP BY customer_id, root_category_id
),

popular AS (
    SELECT customer_id, 'category ' || root_category_id AS popular_category
    FROM category_counts
    QUALIFY row_number() OVER (
        PARTITION BY customer_id ORDER BY count_lines DESC, last_at DESC, root_category_id
    ) = 1
),

contact_counts AS (
    SELECT
        contacts.customer_id,
        count(*) FILTER (WHERE contacts.launched_at >= bounds.cutoff_at - 6 * bounds.period)
            / 6.0                                                  AS marketing_contacts_6m,
        count(*) FILTER (WHERE contacts.launched_at >= bounds.cutoff_at - bounds.period)
                                                                   AS marketing_contacts_current_month
    FROM contacts
    CROSS JOIN bounds
    WHERE contacts.launched_at < bounds.cutoff_at
    GROUP BY contacts.customer_id
),

qualified_events AS (  -- every event of the qualified customers before the cut-off
    SELECT events.customer_id, events.event_at, events.event_type, events.item_id
    FROM events
    SEMI JOIN qualified ON events.visitor_key = qualified.visitor_key
),

first_events AS (
    SELECT customer_id, min(event_at) AS first_event_at
    FROM qualified_events
    GROUP BY customer_id
),

category_log AS (  -- one category per item and instant: ties keep the highest id
    SELECT item_id, valid_from_at, max(category_id) AS category_id
    FROM item_categories
    WHERE category_id IS NOT NULL
    GROUP BY item_id, valid_from_at
),

window_events AS (  -- months 1-3, with the category the item had at the event
    SELECT
        event.customer_id,
        event.event_at,
        event.event_type,
        event.item_id,
        category.category_id
    FROM qualified_events AS event
    ASOF LEFT JOIN category_log AS category
        ON event.item_id = category.item_id AND event.event_at >= category.valid_from_at
    CROSS JOIN bounds
    WHERE event.event_at >= bounds.cutoff_at - 3 * bounds.period
),

event_gaps AS (
    SELECT
        *,
        CAST(coalesce(event_at - lag(event_at) OVER (PARTITION BY customer_id ORDER BY event_at)
                      >= INTERVAL 30 MINUTE, true) AS INTEGER) AS is_new_visit
    FROM window_events
),

numbered_events AS (
    SELECT
        *,
        sum(is_new_visit) OVER (
            PARTITION BY customer_id ORDER BY event_at ROWS UNBOUNDED PRECEDING
        ) AS visit_number
    FROM event_gaps
),

visits AS (
    SELECT
        numbered_events.customer_id,
        numbered_events.visit_number,
        CAST(ceil(epoch(any_value(bounds.cutoff_at) - min(numbered_events.event_at))
                  / any_value(bounds.period_seconds)) AS INTEGER)        AS month,
        epoch(max(numbered_events.event_at) - min(numbered_events.event_at)) / 60 AS minutes,
        count(*) FILTER (WHERE numbered_events.event_type = 'view')      AS count_views,
        count(DISTINCT numbered_events.category_id)
            FILTER (WHERE numbered_events.event_type = 'view')           AS count_categories
    FROM numbered_events
    CROSS JOIN bounds
    GROUP BY numbered_events.customer_id, numbered_events.visit_number
),

visit_summary AS (
    SELECT
        customer_id,
        avg(count_categories) FILTER (WHERE month = 1)            AS categories_per_visit,
        avg(count_views)                                          AS pages_per_visit,
        coalesce(sum(minutes) FILTER (WHERE month = 1), 0)        AS minutes_current_month,
        coalesce(sum(minutes) FILTER (WHERE month = 2), 0)        AS minutes_previous_month
    FROM visits
    GROUP BY customer_id
),

cart_adds AS (
    SELECT customer_id, item_id, min(event_at) AS first_added_at
    FROM window_events
    WHERE event_type = 'addtocart'
    GROUP BY customer_id, item_id
),

purchases AS (
    SELECT customer_id, item_id, max(ordered_at) AS last_bought_at
    FROM line_months
    SEMI JOIN qualified USING (customer_id)
    GROUP BY customer_id, item_id
),

unpaid AS (
    SELECT cart_adds.customer_id, count(*) AS unpaid_items_3m
    FROM cart_adds
    LEFT JOIN purchases USING (customer_id, item_id)
    WHERE purchases.last_bought_at IS NULL OR purchases.last_bought_at < cart_adds.first_added_at
    GROUP BY cart_adds.customer_id
)

SELECT
    qualified.customer_id,
    CAST(coalesce(contact_counts.marketing_contacts_6m, 0) AS DOUBLE)   AS marketing_contacts_6m,
    CAST(coalesce(contact_counts.marketing_contacts_current_month, 0) AS DOUBLE)
                                                                        AS marketing_contacts_current_month,
    epoch(bounds.cutoff_at - least(revenue.first_order_at,
                                   coalesce(first_events.first_event_at, revenue.first_order_at)))
        / 86400                                                         AS tenure_days,
    promotion.promotion_share,
    popular.popular_category,
    CAST(visit_summary.categories_per_visit AS DOUBLE)                  AS categories_per_visit,
    CAST(coalesce(unpaid.unpaid_items_3m, 0) AS DOUBLE)                 AS unpaid_items_3m,
    CAST(visit_summary.pages_per_visit AS DOUBLE)                       AS pages_per_visit,
    CAST(revenue.revenue_current_month AS DOUBLE)                       AS revenue_current_month,
    CAST(revenue.revenue_previous_month AS DOUBLE)                      AS revenue_previous_month,
    CAST(revenue.revenue_earlier_month AS DOUBLE)                       AS revenue_earlier_month,
    CAST(visit_summary.minutes_current_month AS DOUBLE)                 AS minutes_current_month,
    CAST(visit_summary.minutes_previous_month AS DOUBLE)                AS minutes_previous_month
FROM qualified
CROSS JOIN bounds
JOIN revenue USING (customer_id)
LEFT JOIN promotion USING (customer_id)
LEFT JOIN popular USING (customer_id)
LEFT JOIN contact_counts USING (customer_id)
LEFT JOIN first_events USING (customer_id)
LEFT JOIN visit_summary USING (customer_id)
LEFT JOIN unpaid USING (customer_id)
ORDER BY qualified.customer_id
