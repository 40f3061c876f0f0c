-- Every report file received (duplicates of another file's content left out), whatever its
-- status, with what the parser read about it when it got that far: the unit and period it
-- reports on. Feeds mart_report_completeness, which shows quarantined and pending reports too.
select
    f.file_id,
    btrim(f.report_id)::text                    as report_id,
    f.file_name,
    f.status,
    f.reason,
    f.discovered_at,
    f.status_at,
    nullif(btrim(r.admin_unit_code), '')        as admin_unit_code,
    {{ admin_unit_key("nullif(btrim(r.admin_unit_code), '')", unit_generation('r.issue_date', 'r.period_end')) }} as admin_unit_key,
    r.doc_type,
    r.period_type,
    r.period_start,
    r.period_end,
    {{ period_key('r.period_type', 'r.period_start', 'r.period_end') }} as period_key
from {{ source('raw', 'report_file') }} as f
left join {{ source('staging', 'report') }} as r
    on r.report_id = f.report_id
where f.status <> 'duplicate'
