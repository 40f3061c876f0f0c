{{ config(materialized='view') }}
-- The review queue: statements held back from the BI tier (vnreports.confidence), with why and
-- where. `vnreports review` groups them by indicator name for curation.
select
    f.fact_id,
    f.hold_reasons,
    f.indicator_text,
    n.name_key,
    f.indicator_code,
    f.is_catalogued,
    f.role,
    f.scenario,
    f.value,
    f.measure_unit,
    f.admin_unit_code,
    f.period_key,
    f.source_kind,
    f.sentence,
    f.raw_text,
    f.report_id,
    r.file_name                                 as report_file,
    f.source_page
from {{ ref('fct_indicator_observation') }} as f
left join {{ ref('dim_report') }} as r on r.report_id = f.report_id
left join {{ source('staging', 'narrative_fact') }} as n
    on btrim(n.report_id)::text = f.report_id
   and n.fact_index = f.fact_index
where not f.is_published
