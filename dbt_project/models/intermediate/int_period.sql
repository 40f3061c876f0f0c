-- A table, not a view like the other intermediate models: it reads every figure, and its
-- readers and tests would each compute it again (about 6 s apiece at 200 reports).
{{ config(materialized='table') }}

-- Every period the marts name: the periods of valid reports and of their (resolved) figures
-- (table and narrative), the dates stocks are stated as of ("tính đến 31/5/2021": period
-- type as_of, start = end = that date), and the periods reports are expected for
-- (int_expected_report, which includes quarantined reports' periods). Incomplete periods
-- (missing type, start or end) get no key and no row.
with periods as (
    select period_type, period_start, period_end
    from {{ ref('stg_valid_report') }}
    union
    select period_type, period_start, period_end
    from {{ ref('int_figure') }}
    union
    select 'as_of', as_of_date, as_of_date
    from {{ ref('int_figure') }}
    where as_of_date is not null
    union
    select period_type, period_start, period_end
    from {{ ref('int_expected_report') }}
)

select
    {{ period_key('period_type', 'period_start', 'period_end') }} as period_key,
    period_type,
    period_start,
    period_end
from periods
where period_type is not null
  and period_start is not null
  and period_end is not null
