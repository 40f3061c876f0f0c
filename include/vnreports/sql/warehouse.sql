-- Warehouse schemas and landing tables. Idempotent: applied at the start of every run.
-- raw      : the file registry and validation history (the pipeline's memory of what it saw)
-- staging  : what the parser read from each report, keyed by report_id (the file's SHA-256)
-- marts    : built by dbt only

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS marts;

-- One row per file seen in the inbox (name + content). report_id is the SHA-256 of the bytes:
-- the first file with a given content is the report; a later file with the same content is
-- recorded with status 'duplicate' and never parsed.
CREATE TABLE IF NOT EXISTS raw.report_file (
    file_id          bigserial PRIMARY KEY,
    report_id        char(64)    NOT NULL,
    file_name        text        NOT NULL,
    file_path        text        NOT NULL,
    size_bytes       bigint      NOT NULL,
    status           text        NOT NULL DEFAULT 'discovered'
                     CHECK (status IN ('discovered', 'parsed', 'validated', 'loaded', 'quarantined', 'failed', 'duplicate')),
    reason           text,                            -- why quarantined / failed / duplicate
    duplicate_of_file_id bigint REFERENCES raw.report_file (file_id),
    parser_version   text,
    discovered_at    timestamptz NOT NULL DEFAULT now(),
    parsed_at        timestamptz,
    validated_at     timestamptz,
    status_at        timestamptz NOT NULL DEFAULT now(),
    dag_run_id       text,
    UNIQUE (file_name, report_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS report_file_one_original
    ON raw.report_file (report_id) WHERE status <> 'duplicate';

CREATE TABLE IF NOT EXISTS raw.validation_run (
    validation_id    bigserial PRIMARY KEY,
    report_id        char(64)    NOT NULL,
    suite_name       text        NOT NULL,
    success          boolean     NOT NULL,
    evaluated        integer     NOT NULL,
    failed           integer     NOT NULL,
    failed_expectations jsonb    NOT NULL DEFAULT '[]',
    result_json      jsonb       NOT NULL,
    validated_at     timestamptz NOT NULL DEFAULT now(),
    dag_run_id       text
);

-- One row per marts suite run (vnreports.validation.validate_marts, after dbt): the marts as a
-- whole, not a report, so apart from raw.validation_run (whose report_id is required).
CREATE TABLE IF NOT EXISTS raw.marts_validation_run (
    validation_id    bigserial PRIMARY KEY,
    suite_name       text        NOT NULL,
    success          boolean     NOT NULL,   -- every expectation passed (warnings included)
    evaluated        integer     NOT NULL,
    failed           integer     NOT NULL,   -- failed expectations, errors and warnings
    warnings         integer     NOT NULL DEFAULT 0,  -- of which warning level
    failed_expectations jsonb    NOT NULL DEFAULT '[]',
    result_json      jsonb       NOT NULL,
    validated_at     timestamptz NOT NULL DEFAULT now(),
    dag_run_id       text
);

-- One row per successful build of the marts (written by the DAG's record step): what the
-- next run compares with to skip dbt when nothing changed (pipeline.marts_outdated_step).
CREATE TABLE IF NOT EXISTS raw.marts_build (
    build_id         bigserial PRIMARY KEY,
    dbt_project_checksum text    NOT NULL,    -- transform.dbt_project_checksum() of the build
    built_at         timestamptz NOT NULL DEFAULT now(),
    dag_run_id       text
);

CREATE TABLE IF NOT EXISTS staging.report (
    report_id        char(64) PRIMARY KEY,
    file_name        text     NOT NULL,
    page_count       integer  NOT NULL,
    producer         text,
    issuer_name      text,
    admin_unit_code  text,
    admin_unit_name  text,
    admin_level      text,
    doc_type         text,
    doc_number       text,
    issue_date       date,
    title            text,
    period_type      text,
    period_start     date,
    period_end       date,
    plan_year        integer,
    metadata_sources jsonb    NOT NULL DEFAULT '{}',   -- field -> {page, text, method}
    warnings         jsonb    NOT NULL DEFAULT '[]',
    parser_version   text     NOT NULL,
    parsed_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS staging.report_page (
    report_id        char(64) NOT NULL REFERENCES staging.report (report_id) ON DELETE CASCADE,
    page_no          integer  NOT NULL,
    extraction       text     NOT NULL,
    width            real,
    height           real,
    text             text     NOT NULL,
    PRIMARY KEY (report_id, page_no)
);

CREATE TABLE IF NOT EXISTS staging.indicator_table (
    report_id        char(64) NOT NULL REFERENCES staging.report (report_id) ON DELETE CASCADE,
    table_index      integer  NOT NULL,
    first_page       integer  NOT NULL,
    last_page        integer  NOT NULL,
    caption          text,
    detection        text     NOT NULL,
    header_rows      jsonb    NOT NULL,
    columns          jsonb    NOT NULL,   -- list of TableColumn as JSON
    PRIMARY KEY (report_id, table_index)
);

CREATE TABLE IF NOT EXISTS staging.table_cell (
    report_id        char(64) NOT NULL,
    table_index      integer  NOT NULL,
    row_index        integer  NOT NULL,
    col_index        integer  NOT NULL,
    page_no          integer  NOT NULL,
    text             text     NOT NULL,
    x0 real, top real, x1 real, bottom real,
    PRIMARY KEY (report_id, table_index, row_index, col_index),
    FOREIGN KEY (report_id, table_index)
        REFERENCES staging.indicator_table (report_id, table_index) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS staging.table_row (
    report_id        char(64) NOT NULL,
    table_index      integer  NOT NULL,
    row_index        integer  NOT NULL,
    page_no          integer  NOT NULL,
    row_label        text,
    indicator_name   text,
    measure_unit     text,
    parent_path      jsonb    NOT NULL DEFAULT '[]',
    is_section       boolean  NOT NULL,
    PRIMARY KEY (report_id, table_index, row_index),
    FOREIGN KEY (report_id, table_index)
        REFERENCES staging.indicator_table (report_id, table_index) ON DELETE CASCADE
);

-- One figure read from a table cell, with its meaning (scenario, period) and provenance.
CREATE TABLE IF NOT EXISTS staging.indicator_value (
    report_id        char(64) NOT NULL REFERENCES staging.report (report_id) ON DELETE CASCADE,
    source_kind      text     NOT NULL DEFAULT 'table',
    table_index      integer  NOT NULL,
    row_index        integer  NOT NULL,
    col_index        integer  NOT NULL,
    page_no          integer  NOT NULL,
    indicator_name   text     NOT NULL,
    row_path         jsonb    NOT NULL,
    measure_unit     text,
    role             text     NOT NULL,
    scenario         text,
    period_type      text,
    period_start     date,
    period_end       date,
    plan_issuer      text,
    ratio_base       text,        -- for ratios: what the figure is compared with (plan, previous_period, ...)
    value_number     numeric,
    value_text       text,
    raw_text         text     NOT NULL,
    x0 real, top real, x1 real, bottom real,
    PRIMARY KEY (report_id, table_index, row_index, col_index)
);

-- Columns added after the first release: existing warehouses get them here.
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS ratio_base text;

-- Catalog codes of table figures (vnreports.catalog.match_indicator on indicator_name, with the
-- parent path as context and measure_unit as unit), set at staging time. NULL = unmatched: the
-- marts then fall back to the md5 of the normalised path, and marts.indicator_curation lists it.
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS indicator_code  text;
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS match_method    text;   -- exact | alias | fuzzy
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS match_score     double precision;
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS catalog_version text;   -- catalog the match was made with
-- measure_unit in the catalog's spelling (vnreports.catalog.normalise_unit: "Tr.đồng" -> "triệu đồng"),
-- what the marts convert to the indicator's canonical unit with the unit_conversions seed.
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS unit_normalised text;

-- One indicator figure stated in a sentence of the report's running text or a footnote
-- (vnreports.parsing.model.NarrativeFact), with provenance: page, sentence, [span_start, span_end)
-- of the figure's mention in the sentence. fact_index is 0-based in reading order.
CREATE TABLE IF NOT EXISTS staging.narrative_fact (
    report_id        char(64) NOT NULL REFERENCES staging.report (report_id) ON DELETE CASCADE,
    fact_index       integer  NOT NULL,
    page_no          integer  NOT NULL,
    footnote_no      integer,                  -- the footnote the sentence belongs to; NULL = body text
    sentence         text     NOT NULL,
    span_start       integer  NOT NULL,
    span_end         integer  NOT NULL,
    indicator_text   text     NOT NULL,        -- as written ("Cây ngô - Sản lượng")
    indicator_code   text,                     -- catalog code; NULL = unmatched
    match_method     text,
    match_score      double precision,
    catalog_version  text,
    value_number     numeric,                  -- NULL for a part/whole or change-only statement
    value_text       text,                     -- the number as written, "6.885,52"
    measure_unit     text,                     -- as written, "tạ/ha"
    unit_normalised  text,                     -- measure_unit in the catalog's spelling (catalog.normalise_unit)
    scenario         text     NOT NULL,        -- actual / estimate / plan / target
    period_type      text,                     -- NULL = the report's period
    period_start     date,
    period_end       date,
    as_of_date       date,                     -- a stock "tính đến 31/5/2021"
    admin_unit_code  text,                     -- a unit named in the sentence; NULL = the report's unit
    admin_unit_text  text,
    stated_ratios    jsonb    NOT NULL DEFAULT '[]',  -- [{value (percent), base, base_text}, ...]
    change_value     numeric,                  -- >= 0; the sign is change_direction
    change_unit      text,
    change_direction text,                     -- increase | decrease
    change_kind      text,                     -- absolute | percent | percentage_points
    part_numerator   numeric,                  -- "03/19 xã": 3
    part_denominator numeric,                  -- 19
    part_unit        text,
    plan_value       numeric,                  -- the plan of an actual/plan fraction "7.111/7220 con"
    PRIMARY KEY (report_id, fact_index)
);

-- Columns added after narrative_fact first shipped.
ALTER TABLE staging.narrative_fact ADD COLUMN IF NOT EXISTS unit_normalised text;

-- The BI tier (vnreports.confidence): 'published' facts reach marts.indicator_values, 'held'
-- ones stay in marts.indicator_observations and marts.indicator_review with hold_reasons.
-- Set at staging time and again whenever the catalog or a curation decision changes
-- (ingest.rematch_catalog). name_key is catalog.normalise_name(indicator_text), the key of
-- curation decisions; doubts are the parser's own (NarrativeFact.doubts).
ALTER TABLE staging.narrative_fact ADD COLUMN IF NOT EXISTS name_key         text;
ALTER TABLE staging.narrative_fact ADD COLUMN IF NOT EXISTS doubts           jsonb NOT NULL DEFAULT '[]';
ALTER TABLE staging.narrative_fact ADD COLUMN IF NOT EXISTS publication_tier text NOT NULL DEFAULT 'published';
ALTER TABLE staging.narrative_fact ADD COLUMN IF NOT EXISTS hold_reasons     jsonb NOT NULL DEFAULT '[]';
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS publication_tier text NOT NULL DEFAULT 'published';
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS hold_reasons     jsonb NOT NULL DEFAULT '[]';
-- why the parser is unsure of a table figure (an OCR reading below the confidence threshold)
ALTER TABLE staging.indicator_value ADD COLUMN IF NOT EXISTS doubts           jsonb NOT NULL DEFAULT '[]';
-- The catalog version the report's codes and tiers were last resolved with: part of
-- fct_indicator_observation's load signature, so a re-match rebuilds the report's rows.
ALTER TABLE staging.report ADD COLUMN IF NOT EXISTS catalog_version text;

-- A number with a unit in running text that could not be made a fact: kept for review.
CREATE TABLE IF NOT EXISTS staging.unresolved_mention (
    report_id        char(64) NOT NULL REFERENCES staging.report (report_id) ON DELETE CASCADE,
    mention_index    integer  NOT NULL,
    page_no          integer  NOT NULL,
    footnote_no      integer,
    sentence         text     NOT NULL,
    mention_text     text     NOT NULL,
    span_start       integer  NOT NULL,
    span_end         integer  NOT NULL,
    reason           text     NOT NULL,
    PRIMARY KEY (report_id, mention_index)
);

-- Footnotes, separated from the body text and linked to their marker.
CREATE TABLE IF NOT EXISTS staging.footnote (
    report_id        char(64) NOT NULL REFERENCES staging.report (report_id) ON DELETE CASCADE,
    footnote_no      integer  NOT NULL,
    page_no          integer  NOT NULL,        -- page where the footnote text starts
    text             text     NOT NULL,
    marker_page      integer,                  -- page of the marker in the body; NULL when not found
    marker_context   text,                     -- a few words before the marker
    PRIMARY KEY (report_id, footnote_no)
);
