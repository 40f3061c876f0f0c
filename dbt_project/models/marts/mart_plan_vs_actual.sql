-- Plan against outcome, per admin unit, period, indicator and plan (a unit can have a plan set
-- by its People's Council and another set by the province): the plan, the actual (else the
-- estimate), the ratio computed here, the ratio the report stated, and whether they disagree
-- beyond rounding. Values come from fct_indicator_value (one per figure; provenance there).
--
-- Rounding: a figure written "2.755" lies within +-0.5 of what was measured, a ratio "24,05%"
-- within +-0.005 points; the ratio of two rounded figures within
-- computed * (rounding_outcome / outcome + rounding_plan / plan). A stated ratio further away
-- than the two together is a mismatch (e.g. 2.755/11.000 liều stated as 24,05% KH: 25,05%).
{{ config(indexes=[{'columns': ['admin_unit_code', 'period_key', 'indicator_code']}]) }}
with figures as (
    select
        v.*,
        {{ comparable_columns('v') }}
    from {{ ref('fct_indicator_value') }} as v
),

plan_scenarios as (
    select scenario as plan_scenario
    from {{ ref('dim_scenario') }}
    where scenario_kind = 'value'
      and (scenario = 'plan' or scenario like 'plan\_%')
),

plans as (
    select f.*, f.scenario as plan_scenario
    from figures as f
    join plan_scenarios as p on p.plan_scenario = f.scenario
),

stated_ratios as (
    select
        f.*,
        substr(f.scenario, length('ratio_to_') + 1) as plan_scenario
    from figures as f
    join plan_scenarios as p on f.scenario = 'ratio_to_' || p.plan_scenario
    where f.ratio_of_scenario in ('actual', 'estimate')
),

pairs as (
    select admin_unit_code, period_key, indicator_code, plan_scenario from plans
    union
    select admin_unit_code, period_key, indicator_code, plan_scenario from stated_ratios
),

with_ratio as (
    -- the stated ratio: of the actual when the report states one, else of the estimate
    select distinct on (p.admin_unit_code, p.period_key, p.indicator_code, p.plan_scenario)
        p.*,
        s.value                                 as stated_ratio_pct,
        s.ratio_of_scenario                     as stated_ratio_of,
        s.value_rounding                        as stated_ratio_rounding,
        s.fact_id                               as stated_ratio_fact_id,
        s.report_id                             as stated_ratio_report_id,
        s.source_page                           as stated_ratio_page
    from pairs as p
    left join stated_ratios as s
        on s.admin_unit_code = p.admin_unit_code
       and s.period_key = p.period_key
       and s.indicator_code = p.indicator_code
       and s.plan_scenario = p.plan_scenario
    order by p.admin_unit_code, p.period_key, p.indicator_code, p.plan_scenario,
             s.ratio_of_scenario = 'actual' desc nulls last
),

with_outcome as (
    -- the outcome the stated ratio is of; without a stated ratio the actual, else the estimate
    select distinct on (w.admin_unit_code, w.period_key, w.indicator_code, w.plan_scenario)
        w.*,
        o.scenario                              as outcome_scenario,
        o.value                                 as outcome_value,
        o.measure_unit                          as outcome_unit,
        o.comparable_value                      as outcome_comparable,
        o.comparable_unit                       as outcome_comparable_unit,
        o.comparable_rounding                   as outcome_rounding,
        o.fact_id                               as outcome_fact_id,
        o.report_id                             as outcome_report_id,
        o.source_page                           as outcome_page
    from with_ratio as w
    left join figures as o
        on o.admin_unit_code = w.admin_unit_code
       and o.period_key = w.period_key
       and o.indicator_code = w.indicator_code
       and o.scenario in ('actual', 'estimate')
    order by w.admin_unit_code, w.period_key, w.indicator_code, w.plan_scenario,
             o.scenario = w.stated_ratio_of desc nulls last,
             o.scenario = 'actual' desc nulls last
),

computed as (
    select
        w.*,
        pl.value                                as plan_value,
        pl.measure_unit                         as plan_unit,
        pl.fact_id                              as plan_fact_id,
        pl.report_id                            as plan_report_id,
        pl.source_page                          as plan_page,
        case
            when pl.comparable_unit = w.outcome_comparable_unit and pl.comparable_value <> 0
            then round(w.outcome_comparable / pl.comparable_value * 100, 4)
        end                                     as computed_ratio_pct,
        case
            when pl.comparable_unit = w.outcome_comparable_unit and pl.comparable_value <> 0
            then abs(w.outcome_comparable / pl.comparable_value * 100) * (
                     w.outcome_rounding / nullif(abs(w.outcome_comparable), 0)
                     + pl.comparable_rounding / abs(pl.comparable_value))
        end                                     as computed_ratio_rounding
    from with_outcome as w
    left join plans as pl
        on pl.admin_unit_code = w.admin_unit_code
       and pl.period_key = w.period_key
       and pl.indicator_code = w.indicator_code
       and pl.plan_scenario = w.plan_scenario
)

select
    md5(c.admin_unit_code || '|' || c.period_key || '|' || c.indicator_code || '|' || c.plan_scenario) as plan_vs_actual_id,
    c.admin_unit_code,
    a.admin_unit_name,
    a.admin_level,
    a.province_code,
    c.period_key,
    p.period_type,
    p.year,
    p.label_vi                                  as period_label,
    c.indicator_code,
    i.indicator_name,
    i.name_en                                   as indicator_name_en,
    c.plan_scenario,
    c.plan_value,
    c.plan_unit,
    c.outcome_scenario,
    c.outcome_value,
    c.outcome_unit,
    coalesce(c.outcome_unit, c.plan_unit)       as measure_unit,
    c.computed_ratio_pct,
    c.stated_ratio_pct,
    c.stated_ratio_of,
    round(c.stated_ratio_pct - c.computed_ratio_pct, 4) as ratio_difference_pp,
    case
        when c.stated_ratio_pct is not null and c.computed_ratio_pct is not null
        then round(c.stated_ratio_rounding + c.computed_ratio_rounding, 6)
    end                                         as ratio_tolerance_pp,
    case
        when c.stated_ratio_pct is not null and c.computed_ratio_pct is not null
        then abs(c.stated_ratio_pct - c.computed_ratio_pct)
             > c.stated_ratio_rounding + c.computed_ratio_rounding + 1e-9
    end                                         as is_ratio_mismatch,
    -- all three figures from one report: a mismatch is the report's own inconsistency
    c.plan_report_id is not distinct from c.outcome_report_id
        and (c.stated_ratio_report_id is null or c.stated_ratio_report_id = c.outcome_report_id)
                                                as is_single_report,
    c.plan_fact_id,
    c.outcome_fact_id,
    c.stated_ratio_fact_id,
    rp.file_name                                as plan_report_file,
    c.plan_page,
    ro.file_name                                as outcome_report_file,
    c.outcome_page,
    rs.file_name                                as stated_ratio_report_file,
    c.stated_ratio_page
from computed as c
left join {{ ref('dim_admin_unit') }} as a on a.admin_unit_code = c.admin_unit_code
left join {{ ref('dim_period') }} as p on p.period_key = c.period_key
left join {{ ref('dim_indicator') }} as i on i.indicator_code = c.indicator_code
left join {{ ref('dim_report') }} as rp on rp.report_id = c.plan_report_id
left join {{ ref('dim_report') }} as ro on ro.report_id = c.outcome_report_id
left join {{ ref('dim_report') }} as rs on rs.report_id = c.stated_ratio_report_id
