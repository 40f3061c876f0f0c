-- Reporting periods of valid reports and their figures, with Vietnamese and ISO-style labels.
-- Two kinds: a period a flow is counted over (month ... year) and a date a stock is stated
-- as of (period_type as_of, "tính đến 31/5/2021"), told apart by time_basis.
select
    period_key,
    period_type,
    case when period_type = 'as_of' then 'stock' else 'flow' end as time_basis,
    period_start,
    period_end,
    extract(year from period_start)::integer   as year,
    case when period_type in ('month', 'quarter') then extract(quarter from period_start)::integer end as quarter,
    case when period_type = 'month' then extract(month from period_start)::integer end as month,
    case period_type
        when 'year'        then 'Năm ' || to_char(period_start, 'YYYY')
        when 'month'       then 'Tháng ' || to_char(period_start, 'MM/YYYY')
        when 'quarter'     then 'Quý ' || to_char(period_start, 'Q/YYYY')
        when 'first_half'  then '6 tháng đầu năm ' || to_char(period_start, 'YYYY')
        when 'second_half' then '6 tháng cuối năm ' || to_char(period_start, 'YYYY')
        when 'nine_months' then '9 tháng năm ' || to_char(period_start, 'YYYY')
        -- January to the end of month N: "10 tháng năm 2022"
        when 'months_to_date' then extract(month from period_end)::integer || ' tháng năm ' || to_char(period_start, 'YYYY')
        when 'as_of'       then 'Tính đến ' || to_char(period_start, 'DD/MM/YYYY')
        else to_char(period_start, 'DD/MM/YYYY') || ' - ' || to_char(period_end, 'DD/MM/YYYY')
    end                                         as label_vi,
    case period_type
        when 'year'        then to_char(period_start, 'YYYY')
        when 'month'       then to_char(period_start, 'YYYY-MM')
        when 'quarter'     then to_char(period_start, 'YYYY-"Q"Q')
        when 'first_half'  then to_char(period_start, 'YYYY') || '-H1'
        when 'second_half' then to_char(period_start, 'YYYY') || '-H2'
        when 'as_of'       then to_char(period_start, 'YYYY-MM-DD')
        -- No ISO name for nine months or N months to date: an ISO 8601 interval of months,
        -- "2022-01/2022-09", "2022-01/2022-10".
        else to_char(period_start, 'YYYY-MM') || '/' || to_char(period_end, 'YYYY-MM')
    end                                         as label_iso
from {{ ref('int_period') }}
