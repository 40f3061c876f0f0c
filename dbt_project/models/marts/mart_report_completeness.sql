-- Which units have reported which periods: one row per expected (unit, period) -- see
-- int_expected_report for what is expected -- with the reports received for it and their
-- status, so a data engineer sees at a glance what is missing this month and what arrived
-- but was quarantined. Reports are matched to a period by their own reporting period.
with received as (
    select
        admin_unit_key,
        period_key,
        count(*)                                as n_reports,
        -- 'validated' reports are the ones this build puts into the marts (record marks them
        -- 'loaded' right after): both count as loaded here
        count(*) filter (where status in ('validated', 'loaded')) as n_loaded,
        count(*) filter (where status = 'quarantined') as n_quarantined,
        count(*) filter (where status in ('discovered', 'parsed')) as n_in_progress,
        string_agg(file_name, ', ' order by file_name) as report_files,
        string_agg(
            case when status = 'quarantined' then coalesce(reason, file_name) end, '; '
            order by file_name
        )                                       as quarantine_reasons,
        max(discovered_at)                      as last_received_at
    from {{ ref('stg_report_file') }}
    where admin_unit_key is not null
      and period_key is not null
    group by admin_unit_key, period_key
)

select
    -- (a unit of 2025-07-01 hashes with its generation: its code may be an old unit's)
    md5(case when e.admin_unit_key like '%:2025' then e.admin_unit_key else e.admin_unit_code end
        || '|' || e.period_key)                 as completeness_id,
    e.province_code,
    u.province_name,
    e.admin_unit_code,
    e.admin_unit_key,
    u.admin_unit_name,
    u.admin_level,
    e.period_key,
    e.period_type,
    p.label_vi                                  as period_label,
    p.label_iso                                 as period_label_iso,
    e.period_start,
    e.period_end,
    case
        when coalesce(r.n_loaded, 0) > 0 then 'loaded'
        when coalesce(r.n_in_progress, 0) > 0 then 'in_progress'
        when coalesce(r.n_quarantined, 0) > 0 then 'quarantined'
        else 'missing'
    end                                         as completeness_status,
    coalesce(r.n_loaded, 0) > 0                 as is_reported,
    coalesce(r.n_reports, 0)                    as n_reports,
    coalesce(r.n_loaded, 0)                     as n_loaded,
    coalesce(r.n_quarantined, 0)                as n_quarantined,
    r.report_files,
    r.quarantine_reasons,
    r.last_received_at
from {{ ref('int_expected_report') }} as e
join {{ ref('dim_admin_unit') }} as u on u.admin_unit_key = e.admin_unit_key
left join {{ ref('dim_period') }} as p on p.period_key = e.period_key
left join received as r
    on r.admin_unit_key = e.admin_unit_key
   and r.period_key = e.period_key
