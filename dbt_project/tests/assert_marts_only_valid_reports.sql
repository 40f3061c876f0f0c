-- No figure or report in the marts may come from a report whose file is not
-- 'validated' or 'loaded' (quarantined, failed, still being processed, ...).
with valid as (
    select btrim(report_id)::text as report_id
    from {{ source('raw', 'report_file') }}
    where status in ('validated', 'loaded')
),

published as (
    select report_id from {{ ref('fct_indicator_observation') }}
    union
    select report_id from {{ ref('dim_report') }}
)

select p.report_id
from published as p
left join valid as v on v.report_id = p.report_id
where v.report_id is null
