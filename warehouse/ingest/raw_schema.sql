-- Raw tables of the warehouse file: the input files as delivered (Kaggle names kept), plus the
-- load log and the rows each load rejected. Written only by ingest, one transaction per load.

CREATE TABLE IF NOT EXISTS events (
    "timestamp"   BIGINT  NOT NULL,  -- Unix epoch, milliseconds, UTC
    visitorid     BIGINT  NOT NULL,
    event         VARCHAR NOT NULL,  -- view | addtocart | transaction
    itemid        BIGINT  NOT NULL,
    transactionid BIGINT             -- set only for event = 'transaction'
);

CREATE TABLE IF NOT EXISTS item_properties (
    "timestamp" BIGINT  NOT NULL,
    itemid      BIGINT  NOT NULL,
    property    VARCHAR NOT NULL,    -- only categoryid, available and the price property are kept
    value       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS category_tree (
    categoryid BIGINT PRIMARY KEY,
    parentid   BIGINT
);

-- One row per order line; a load holding an order replaces the lines stored for it.
CREATE TABLE IF NOT EXISTS orders (
    customer_id VARCHAR   NOT NULL,
    order_id    VARCHAR   NOT NULL,
    ordered_at  TIMESTAMP NOT NULL,
    amount      DOUBLE    NOT NULL,
    item_id     VARCHAR,
    quantity    INTEGER   NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS loads (
    load_id            BIGINT    NOT NULL,
    kind               VARCHAR   NOT NULL,  -- retailrocket | orders | consent
    file               VARCHAR   NOT NULL,
    started_at         TIMESTAMP NOT NULL,
    finished_at        TIMESTAMP NOT NULL,
    rows_read          BIGINT    NOT NULL,
    rows_loaded        BIGINT    NOT NULL,
    duplicates_dropped BIGINT    NOT NULL,
    rows_rejected      BIGINT    NOT NULL,
    rows_skipped       BIGINT    NOT NULL,  -- properties the product does not use
    rows_replaced      BIGINT    DEFAULT 0  -- stored orders lines the file's lines replaced
);
ALTER TABLE loads ADD COLUMN IF NOT EXISTS rows_replaced BIGINT DEFAULT 0;

CREATE TABLE IF NOT EXISTS rejected_rows (
    load_id     BIGINT  NOT NULL,
    file        VARCHAR NOT NULL,
    line_number BIGINT  NOT NULL,  -- 1-based line in the file; line 1 is the header
    reason      VARCHAR NOT NULL,
    raw_line    VARCHAR
);

CREATE TABLE IF NOT EXISTS settings (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- An item catalogue delivered with an orders file (ingest-orders --items): one row per item, the
-- latest delivery of an item replacing the earlier one.
CREATE TABLE IF NOT EXISTS items (
    item_id  VARCHAR PRIMARY KEY,
    name     VARCHAR,
    category VARCHAR,                -- free text, e.g. "department / aisle"
    price    DOUBLE                  -- the catalogue price, in the shop's currency
);

-- Push consent and opt-outs (ingest-consent): one row per customer, the latest list replacing
-- the earlier row. A customer absent from every list has no recorded consent.
CREATE TABLE IF NOT EXISTS push_consent (
    customer_id  VARCHAR PRIMARY KEY,
    consent      BOOLEAN NOT NULL,
    opted_out_at TIMESTAMP,          -- UTC; set when the customer opted out
    time_zone    VARCHAR             -- IANA name for quiet hours; NULL: the shop's time zone
);
