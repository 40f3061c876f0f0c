{{ config(materialized='view') }}
-- Every statement of a figure (fct_indicator_observation) flat, with its unit, period,
-- indicator, scenario and report: where a value in indicator_values came from and what else
-- the reports said about it (is_selected marks the statement indicator_values shows).
-- Left joins so a figure whose dimension row is missing still shows (the tests flag it).
select
    f.admin_unit_code,
    f.admin_unit_key,
    a.unit_generation,
    a.admin_unit_name,
    a.admin_level,
    a.province_code,
    f.period_key,
    p.period_type,
    p.period_start,
    p.period_end,
    p.label_vi                                  as period_label,
    p.label_iso                                 as period_label_iso,
    f.reporting_period_key,
    f.time_basis,
    f.as_of_date,
    f.indicator_code,
    -- one name per code (the catalog's, else the usual spelling); the figure's own words and
    -- its path in the report as written beside it
    i.indicator_name,
    i.name_en                                   as indicator_name_en,
    i.topic,
    f.indicator_text,
    f.source_path                               as indicator_path,
    f.is_catalogued,
    f.role,
    f.scenario,
    s.label_vi                                  as scenario_label,
    s.label_en                                  as scenario_label_en,
    f.ratio_of_scenario,
    f.plan_issuer,
    f.value,
    f.value_text,
    f.measure_unit,
    f.value_canonical,
    f.canonical_unit,
    f.raw_text,
    f.source_kind,
    f.sentence,
    f.report_id,
    r.file_name                                 as report_file,
    r.doc_number,
    r.issue_date,
    f.source_page,
    f.table_index,
    f.row_index,
    f.col_index,
    f.fact_index,
    f.value_slot,
    f.span_start,
    f.span_end,
    f.footnote_no,
    f.fact_id,
    f.publication_tier,
    f.hold_reasons,
    v.fact_id is not null                       as is_selected
from {{ ref('fct_indicator_observation') }} as f
left join {{ ref('fct_indicator_value') }} as v on v.fact_id = f.fact_id
left join {{ ref('dim_scenario') }} as s on s.scenario = f.scenario
left join {{ ref('dim_admin_unit') }} as a on a.admin_unit_key = f.admin_unit_key
left join {{ ref('dim_period') }} as p on p.period_key = f.period_key
left join {{ ref('dim_indicator') }} as i on i.indicator_code = f.indicator_code
left join {{ ref('dim_report') }} as r on r.report_id = f.report_id
