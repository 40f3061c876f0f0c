-- Distinct periods of valid reports: the reports' own periods and the (resolved) periods
-- of their figures (table and narrative). Incomplete periods (missing type, start or end) get no key and no row.
with periods as (
    select period_type, period_start, period_end
    from {{ ref('stg_valid_report') }}
    union
    select period_type, period_start, period_end
    from {{ ref('int_figure') }}
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
