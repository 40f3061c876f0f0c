-- Which unit is expected to report which period: what mart_report_completeness checks.
-- Within a province that has sent any report,
--   units: the province itself; every district when any district of it has reported; every
--          commune of a district when any commune of that district has reported;
--   periods: every period any unit of the province has reported on, and for monthly reports
--            every month from the province's first reported month to its last.
-- Reports the parser could not place (no unit or period) cannot be expected anywhere; they
-- are listed in raw.report_file with their reason.
-- Units are expected in the generation valid for the period: a period ending before 2025-07-01
-- expects the units of the 2022 list, a later one the provinces and communes of 2025-07-01 (no
-- districts); a province or commune is followed across the reform through its successor (the
-- communes expected after 2025-07-01 are those of the new province when any of them reported).
with placed as (
    select f.*, u.admin_level, u.province_code, u.district_code, u.unit_generation
    from {{ ref('stg_report_file') }} as f
    join {{ ref('dim_admin_unit') }} as u on u.admin_unit_key = f.admin_unit_key
    where f.period_key is not null
),

expected_units as (
    select u.province_code, u.admin_unit_code, u.admin_unit_key, u.unit_generation
    from {{ ref('dim_admin_unit') }} as u
    where u.admin_level = 'province'
      and exists (select 1 from placed as p where p.province_code = u.province_code
                  and p.unit_generation = u.unit_generation)
    union
    select u.province_code, u.admin_unit_code, u.admin_unit_key, u.unit_generation
    from {{ ref('dim_admin_unit') }} as u
    where u.admin_level = 'district'
      and u.province_code in (select province_code from placed where admin_level = 'district')
    union
    -- communes: of a district (2022) or of a province (2025) where one of them reported
    select u.province_code, u.admin_unit_code, u.admin_unit_key, u.unit_generation
    from {{ ref('dim_admin_unit') }} as u
    where u.admin_level = 'commune'
      and exists (select 1 from placed as p
                  where p.admin_level = 'commune' and p.unit_generation = u.unit_generation
                    and p.province_code = u.province_code
                    and (u.unit_generation = '2025' or p.district_code = u.district_code))
),

reported_periods as (
    select distinct province_code, unit_generation, period_type, period_start, period_end
    from placed
),

month_span as (
    select province_code, unit_generation, min(period_start) as first_month, max(period_start) as last_month
    from placed
    where period_type = 'month'
    group by province_code, unit_generation
),

expected_periods as (
    select province_code, unit_generation, period_type, period_start, period_end
    from reported_periods
    union
    select
        m.province_code,
        m.unit_generation,
        'month',
        month_start::date,
        (month_start + interval '1 month' - interval '1 day')::date
    from month_span as m
    cross join lateral generate_series(m.first_month, m.last_month, interval '1 month') as g(month_start)
)

select
    u.province_code,
    u.admin_unit_code,
    u.admin_unit_key,
    {{ period_key('p.period_type', 'p.period_start', 'p.period_end') }} as period_key,
    p.period_type,
    p.period_start,
    p.period_end
from expected_units as u
join expected_periods as p
    on p.province_code = u.province_code
   and p.unit_generation = u.unit_generation
