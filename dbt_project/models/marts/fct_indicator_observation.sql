-- Every figure as extracted, one row per statement: a table cell, or one value a sentence
-- states (see stg_narrative_value for the slots of a sentence), with what was measured
-- (indicator), where (admin unit), when (period), in which scenario, and where in the PDF it
-- was read (report, page, table/row/column or sentence and span). Several rows can state the
-- same figure (a 6-month and an annual report, a table and a sentence): fct_indicator_value
-- keeps one per (unit, period, indicator, scenario), this table keeps them all.
--
-- Incremental by report: the largest table grows by every report of every month, while a run
-- changes few reports. A report's rows are (re)built when its load_signature is new: it was
-- (re)parsed (parsed_at), the unit it is about changed, or the reference seeds the figures are
-- resolved with (catalog, unit conversions) changed, which rebuilds every report, or its codes
-- and BI tiers were resolved again with a new catalog or curation (staging.report.catalog_version). Rows of a
-- report that is no longer valid (quarantined after reprocessing, ...) are deleted after each
-- run (post_hook). delete+insert on report_id replaces a report's rows in one statement pair
-- inside dbt's transaction.
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='report_id',
    on_schema_change='append_new_columns',
    post_hook="delete from {{ this }} where report_id not in (select report_id from {{ ref('stg_valid_report') }})",
    indexes=[
        {'columns': ['admin_unit_code', 'period_key', 'indicator_code']},
        {'columns': ['report_id']},
    ],
) }}
with reference as (
    -- the version of what resolves codes and units besides the staged rows
    select md5(
        (select coalesce(string_agg(c::text, '|' order by c::text), '') from {{ ref('int_indicator_catalog') }} as c)
        || (select coalesce(string_agg(u::text, '|' order by u::text), '') from {{ ref('int_unit_conversion') }} as u)
    ) as reference_version
),

-- MATERIALIZED (here and in catalog): computed once per report and per catalog entry. Inlined,
-- PostgreSQL evaluates these expressions for every figure that reads them: the md5 over the
-- whole catalog text once per figure (90 of 110 s at 200 reports), the unit key of the
-- canonical unit about ten times per figure.
reports as materialized (
    select
        r.report_id,
        r.admin_unit_code,
        r.unit_generation,
        md5(r.report_id || '|' || coalesce(r.parsed_at::text, '') || '|' || coalesce(r.admin_unit_code, '')
            || '|' || coalesce(r.catalog_version, '') || '|' || reference.reference_version) as load_signature
    from {{ ref('stg_valid_report') }} as r
    cross join reference
),

reports_to_load as (
    select * from reports as r
    {% if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as t
        where t.report_id = r.report_id and t.load_signature = r.load_signature
    )
    {% endif %}
),

figures as (
    select * from {{ ref('int_figure') }}
),

catalog as materialized (
    select *, {{ unit_key('canonical_unit') }} as canonical_key
    from {{ ref('int_indicator_catalog') }}
),

conversions as (
    select * from {{ ref('int_unit_conversion') }}
),

joined as (
    select
        f.*,
        r.admin_unit_code                       as report_admin_unit_code,
        r.unit_generation                       as report_unit_generation,
        r.load_signature,
        p.indicator_code                        as path_code,
        c.canonical_unit                        as catalog_unit,
        c.canonical_key,
        -- "triệu đồng/ha" -> numerator "triệu đồng", denominator "ha"
        case when strpos(f.unit_key, '/') > 0 then split_part(f.unit_key, '/', 1) end as unit_num,
        case when strpos(f.unit_key, '/') > 0 then substr(f.unit_key, strpos(f.unit_key, '/') + 1) end as unit_den,
        case when strpos(c.canonical_key, '/') > 0 then split_part(c.canonical_key, '/', 1) end as canon_num,
        case when strpos(c.canonical_key, '/') > 0
             then substr(c.canonical_key, strpos(c.canonical_key, '/') + 1) end as canon_den
    from figures as f
    join reports_to_load as r
        on r.report_id = f.report_id
    left join {{ ref('int_indicator_path') }} as p
        on f.catalog_code is null
       and p.row_path = f.row_path
       and p.is_full_path
    left join catalog as c
        on c.indicator_code = f.catalog_code
),

resolved as (
    select
        j.*,
        -- the factor to the canonical unit (as vnreports.catalog.unit_factor): same unit -> 1;
        -- a conversion the seed states (either direction); for X/Y units with the same
        -- denominator the numerators' conversion ("triệu đồng/ha" -> "tỷ đồng/ha"), with the
        -- same numerator the inverse of the denominators'. NULL = not convertible.
        case
            when not j.in_indicator_unit or j.canonical_key is null or j.unit_key is null then null
            when j.unit_key = j.canonical_key then 1::numeric
            else coalesce(
                direct.factor,
                case when j.unit_den = j.canon_den then numerators.factor end,
                case when j.unit_num = j.canon_num then 1 / denominators.factor end
            )
        end                                     as factor
    from joined as j
    left join conversions as direct
        on direct.from_key = j.unit_key
       and direct.to_key = j.canonical_key
    left join conversions as numerators
        on numerators.from_key = j.unit_num
       and numerators.to_key = j.canon_num
    left join conversions as denominators
        on denominators.from_key = j.unit_den
       and denominators.to_key = j.canon_den
)

select
    case
        when source_kind = 'table' then md5(
            report_id || '|' || source_kind || '|' || table_index::text
            || '|' || row_index::text || '|' || col_index::text)
        else md5(report_id || '|' || source_kind || '|' || fact_index::text || '|' || value_slot)
    end                                         as fact_id,
    report_id,
    -- A sentence about a commune of the report's district is about that commune; every other
    -- figure is about the unit the report is about.
    coalesce(admin_unit_code, report_admin_unit_code) as admin_unit_code,
    -- the unit in its generation (dim_admin_unit): the report's, except a former unit a sentence
    -- names ("Gia Lai (cũ)" in a report of 2025), which only the 2022 list holds
    case
        when admin_unit_code is not null and report_unit_generation = '2025' and not exists (
            select 1 from {{ ref('dim_admin_unit') }} as u
            where u.admin_unit_key = {{ admin_unit_key('resolved.admin_unit_code', "'2025'") }}
        ) then {{ admin_unit_key('admin_unit_code', "'2022'") }}
        else {{ admin_unit_key('coalesce(admin_unit_code, report_admin_unit_code)', 'report_unit_generation') }}
    end                                         as admin_unit_key,
    -- the report's unit states its own figure (not a district report about a commune)
    admin_unit_code is null or admin_unit_code = report_admin_unit_code as is_own_unit,
    -- a stock is about the date it is stated as of; a flow about its period
    case
        when as_of_date is not null then {{ period_key("'as_of'", 'as_of_date', 'as_of_date') }}
        else {{ period_key('period_type', 'period_start', 'period_end') }}
    end                                         as period_key,
    {{ period_key('period_type', 'period_start', 'period_end') }} as reporting_period_key,
    time_basis,
    coalesce(catalog_code, path_code)           as indicator_code,
    catalog_code is not null                    as is_catalogued,
    role,
    scenario,
    ratio_of_scenario,
    plan_issuer,
    value_number                                as value,
    value_text,
    measure_unit,
    value_number * factor                       as value_canonical,
    case when value_number is not null and factor is not null then catalog_unit end as canonical_unit,
    case when value_number is not null then factor end as canonical_factor,
    -- half a unit of the last digit written ("2.755" -> 0.5, "39,48" -> 0.005): how far the
    -- value can be from what was measured through rounding alone
    0.5 * power(10::numeric, -scale(value_number)) as value_rounding,
    page_no                                     as source_page,
    source_kind,
    table_index,
    row_index,
    col_index,
    fact_index,
    value_slot,
    raw_text,
    sentence,
    span_start,
    span_end,
    footnote_no,
    as_of_date,
    {{ clean_name('indicator_name') }}          as indicator_text,
    source_path,
    match_method,
    match_score,
    catalog_version,
    -- the BI tier (vnreports.confidence): only 'published' statements reach fct_indicator_value
    -- and the BI views; 'held' ones wait in indicator_review with their reasons
    publication_tier,
    publication_tier = 'published'              as is_published,
    nullif(hold_reasons, '')                    as hold_reasons,
    load_signature
from resolved
