-- One row per figure of a valid report: what was measured (indicator), where (admin unit),
-- when (period), in which scenario, and where in the PDF it was read.
select
    md5(
        v.report_id || '|' || v.source_kind || '|' || v.table_index::text
        || '|' || v.row_index::text || '|' || v.col_index::text
    )                                           as fact_id,
    v.report_id,
    -- The figure is about the unit the report is about.
    r.admin_unit_code,
    {{ period_key('v.period_type', 'v.period_start', 'v.period_end') }} as period_key,
    p.indicator_code,
    v.role,
    v.scenario,
    v.ratio_of_scenario,
    v.plan_issuer,
    v.value_number                              as value,
    v.value_text,
    v.measure_unit,
    v.page_no                                   as source_page,
    v.source_kind,
    v.table_index,
    v.row_index,
    v.col_index,
    v.raw_text
from {{ ref('stg_indicator_value') }} as v
join {{ ref('stg_valid_report') }} as r
    on r.report_id = v.report_id
left join {{ ref('int_indicator_path') }} as p
    on p.row_path = v.row_path
   and p.is_full_path
