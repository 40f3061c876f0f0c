-- Every staging.indicator_value row of a valid report reaches the fact exactly once
-- (no figure lost by a join, none multiplied by a duplicate file row).
with expected as (
    select btrim(v.report_id)::text as report_id, count(*) as n_staging
    from {{ source('staging', 'indicator_value') }} as v
    join {{ source('raw', 'report_file') }} as f
        on f.report_id = v.report_id
       and f.status in ('validated', 'loaded')
    group by 1
),

actual as (
    select report_id, count(*) as n_fact
    from {{ ref('fct_indicator_value') }}
    group by 1
)

select coalesce(e.report_id, a.report_id) as report_id, e.n_staging, a.n_fact
from expected as e
full join actual as a on a.report_id = e.report_id
where e.n_staging is distinct from a.n_fact
