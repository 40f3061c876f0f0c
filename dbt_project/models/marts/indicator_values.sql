{{ config(materialized='view') }}
-- The flat view for BI tools: one value per admin unit, period, indicator and scenario
-- (fct_indicator_value) with Vietnamese and English labels of every dimension and where the
-- value was read. Every statement of it is in indicator_observations.
-- Left joins so a value whose dimension row is missing still shows (the tests flag it).
select
    v.admin_unit_code,
    v.admin_unit_key,
    a.unit_generation,
    a.admin_unit_name,
    a.admin_unit_type,
    a.admin_level,
    a.province_code,
    a.province_name,
    a.district_code,
    a.district_name,
    v.period_key,
    p.period_type,
    p.period_start,
    p.period_end,
    p.year,
    p.label_vi                                  as period_label,
    p.label_iso                                 as period_label_iso,
    v.time_basis,
    v.as_of_date,
    v.indicator_code,
    i.indicator_name,
    i.name_en                                   as indicator_name_en,
    i.topic,
    i.indicator_path                            as indicator_hierarchy,
    i.parent_indicator_code,
    v.is_catalogued,
    v.scenario,
    s.label_vi                                  as scenario_label,
    s.label_en                                  as scenario_label_en,
    s.scenario_kind,
    v.ratio_of_scenario,
    v.plan_issuer,
    v.role,
    v.value,
    v.value_text,
    v.measure_unit,
    v.value_canonical,
    v.canonical_unit,
    v.is_superseded_by_actual,
    v.n_observations,
    v.n_reports,
    v.has_conflicting_values,
    v.indicator_text,
    v.source_path                               as indicator_path,
    v.raw_text,
    v.source_kind,
    v.sentence,
    v.report_id,
    r.file_name                                 as report_file,
    r.doc_number,
    r.issue_date,
    v.source_page,
    v.fact_id,
    v.value_id
from {{ ref('fct_indicator_value') }} as v
left join {{ ref('dim_admin_unit') }} as a on a.admin_unit_key = v.admin_unit_key
left join {{ ref('dim_period') }} as p on p.period_key = v.period_key
left join {{ ref('dim_indicator') }} as i on i.indicator_code = v.indicator_code
left join {{ ref('dim_scenario') }} as s on s.scenario = v.scenario
left join {{ ref('dim_report') }} as r on r.report_id = v.report_id
