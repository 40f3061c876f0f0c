-- Plan against outcome, per admin unit, period, indicator and plan (a unit can have a plan set
-- by its People's Council and another set by the province): the plan, the actual (else the
-- estimate), the ratio computed here, the ratio the report stated, and whether the report's
-- statement agrees with itself (ratio_status).
--
-- A stated ratio is checked only against the figures of its own statement: a sentence's fact
-- (fact_index: its value, plan and ratio slots) or a table row (table_index, row_index: its
-- actual/estimate, plan and ratio-to-plan cells of the ratio's period). A plan or outcome from
-- another statement (another sentence, row or report) can be about another indicator that fell
-- on the same fallback code or a figure the parser paired wrongly; it is shown, with the ratio
-- computed from it, but never flagged. Of the stated ratios (the actual's, the estimate's) the
-- row shows one its statement lets check first, then the actual's. ratio_status says:
--   consistent               the stated ratio equals outcome / plan within rounding
--   truncated                it equals outcome / plan cut (not rounded) at the digits written
--                            (57.286/59.062 = 96,99...% written "96,9%")
--   consistent_as_index      a growth rate in % whose stated ratio compares the indices:
--                            (100 + outcome) / (100 + plan) (11,0% planned, 23,3% achieved,
--                            "111,1%"), within rounding or truncated
--   mismatch                 none of these: the statement contradicts itself (a source error,
--                            or the parser misread one of its figures)
--   no_plan_in_statement     the statement states a ratio but no plan figure
--   no_outcome_in_statement  the statement states a ratio and a plan but no outcome figure
--   not_comparable           the statement's plan and outcome are in units that do not convert,
--                            or the plan is 0
--   not_stated               no stated ratio to this plan (computed ratio only)
--
-- Rounding: a figure written "2.755" lies within +-0.5 of what was measured, a ratio "24,05%"
-- within +-0.005 points; the ratio of two rounded figures within
-- computed * (rounding_outcome / outcome + rounding_plan / plan). A stated ratio further away
-- than the two together, and not the truncation of the computed one either, is a mismatch (e.g.
-- 2.755/11.000 liều stated as 24,05% KH: 25,05%). Values come from fct_indicator_value (one per
-- figure) and, for the stated ratio's statement, fct_indicator_observation (provenance there);
-- published statements only (the BI tier).
-- No nested loops: the planner estimates the stated ratios at a few dozen rows (a CTE of a CTE)
-- and joins them to every observation by nested loop; at 200 reports (70,000 ratios, 700,000
-- observations) that ran past 5 minutes, with hash joins it takes 6 s. SET LOCAL ends with the
-- model's transaction.
{{ config(
    indexes=[{'columns': ['admin_unit_code', 'period_key', 'indicator_code']}],
    pre_hook="set local enable_nestloop = off",
) }}
with observations as (
    -- every published figure (the BI tier, as fct_indicator_value's) with the statement it
    -- belongs to: a sentence's fact or a table row
    select
        o.*,
        o.report_id || '|' || o.source_kind || '|' || case
            when o.source_kind = 'table' then o.table_index::text || ':' || o.row_index::text
            else o.fact_index::text
        end                                     as statement_key,
        -- a stated ratio's place in its statement: the sentence's i-th ratio, the row's column
        case when o.role = 'ratio' then coalesce(o.col_index, nullif(split_part(o.value_slot, ':', 2), '')::integer) end
                                                as ratio_position,
        {{ comparable_columns('o') }}
    from {{ ref('fct_indicator_observation') }} as o
    where o.value is not null
      and o.is_published
),

figures as (
    -- the figures fct_indicator_value selected (one per unit, period, indicator, scenario)
    select o.*
    from observations as o
    join {{ ref('fct_indicator_value') }} as v
        on v.fact_id = o.fact_id
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

statement_plans as (
    -- the plan figures each stated ratio's own statement gives for the ratio's period
    select
        s.fact_id                               as stated_ratio_fact_id,
        o.fact_id,
        o.scenario = s.plan_scenario            as is_same_plan,
        row_number() over (partition by s.fact_id
                           order by o.scenario = s.plan_scenario desc, o.fact_id) as plan_rank,
        count(*) over (partition by s.fact_id)  as n_plans
    from stated_ratios as s
    join observations as o
        on o.statement_key = s.statement_key
       and o.period_key = s.period_key
       and o.admin_unit_code = s.admin_unit_code
       and o.role = 'value'
    join plan_scenarios as ps on ps.plan_scenario = o.scenario
),

later_plan_ratios as (
    -- stated ratios after another ratio to a plan in their statement
    select distinct s.fact_id                   as stated_ratio_fact_id
    from stated_ratios as s
    join observations as r
        on r.statement_key = s.statement_key
       and r.period_key = s.period_key
       and r.ratio_position < s.ratio_position
    join plan_scenarios as rs on r.scenario = 'ratio_to_' || rs.plan_scenario
),

statement_outcomes as (
    -- the figure each stated ratio is of, in its own statement and period
    select distinct on (s.fact_id)
        s.fact_id                               as stated_ratio_fact_id,
        o.fact_id
    from stated_ratios as s
    join observations as o
        on o.statement_key = s.statement_key
       and o.period_key = s.period_key
       and o.admin_unit_code = s.admin_unit_code
       and o.role = 'value'
       and o.scenario = s.ratio_of_scenario
    order by s.fact_id, o.fact_id
),

stated_ratio_statements as (
    -- The statement's plan: of this plan scenario; else its only plan when this is the first
    -- ratio to a plan it states ("7.111/7.220 con, đạt 98,5% KH HĐND giao": the fraction's plan
    -- is the HĐND's; in "13,566/403 tỷ đồng, đạt 3,37% KH do UBND tỉnh giao, đạt 2,4% KH do HĐND
    -- thành phố giao" 403 is the province's plan and the city's is not stated): no guessing.
    select
        s.*,
        sp.fact_id                              as statement_plan_fact_id,
        so.fact_id                              as statement_outcome_fact_id
    from stated_ratios as s
    left join statement_plans as sp
        on sp.stated_ratio_fact_id = s.fact_id
       and sp.plan_rank = 1
       and (sp.is_same_plan
            or (sp.n_plans = 1
                and not exists (select 1 from later_plan_ratios as l where l.stated_ratio_fact_id = s.fact_id)))
    left join statement_outcomes as so on so.stated_ratio_fact_id = s.fact_id
),

pairs as (
    select
        md5(admin_unit_code || '|' || period_key || '|' || indicator_code || '|' || plan_scenario) as plan_vs_actual_id,
        *
    from (
        select admin_unit_code, period_key, indicator_code, plan_scenario from plans
        union
        select admin_unit_code, period_key, indicator_code, plan_scenario from stated_ratios
    ) as k
),

with_ratio as (
    -- the stated ratio: one its own statement lets check (it gives the plan and the outcome)
    -- first, then the actual's before the estimate's
    select distinct on (p.plan_vs_actual_id)
        p.*,
        s.value                                 as stated_ratio_pct,
        s.ratio_of_scenario                     as stated_ratio_of,
        s.value_rounding                        as stated_ratio_rounding,
        s.fact_id                               as stated_ratio_fact_id,
        s.report_id                             as stated_ratio_report_id,
        s.source_page                           as stated_ratio_page,
        s.source_kind                           as stated_ratio_source_kind,
        s.raw_text                              as stated_ratio_raw_text,
        case when s.source_kind = 'narrative' then s.sentence else s.source_path end
                                                as stated_ratio_statement,
        coalesce(s.indicator_text, s.source_path) as stated_ratio_indicator_text,
        s.statement_key                         as stated_ratio_statement_key,
        s.statement_plan_fact_id,
        s.statement_outcome_fact_id
    from pairs as p
    left join stated_ratio_statements as s
        on s.admin_unit_code = p.admin_unit_code
       and s.period_key = p.period_key
       and s.indicator_code = p.indicator_code
       and s.plan_scenario = p.plan_scenario
    order by p.plan_vs_actual_id,
             s.statement_plan_fact_id is not null and s.statement_outcome_fact_id is not null desc,
             s.ratio_of_scenario = 'actual' desc nulls last
),

selected_outcomes as (
    -- without the statement's: the selected outcome of the scenario the stated ratio is of,
    -- else the actual, else the estimate
    select distinct on (w.plan_vs_actual_id)
        w.plan_vs_actual_id,
        o.fact_id
    from with_ratio as w
    join figures as o
        on o.admin_unit_code = w.admin_unit_code
       and o.period_key = w.period_key
       and o.indicator_code = w.indicator_code
       and o.scenario in ('actual', 'estimate')
    order by w.plan_vs_actual_id, o.scenario = w.stated_ratio_of desc nulls last, o.scenario = 'actual' desc
),

chosen as (
    -- the statement's own plan and outcome when it gives them; otherwise the plan and outcome
    -- fct_indicator_value selected
    select
        w.*,
        coalesce(w.statement_plan_fact_id, pl.fact_id) as plan_fact_id,
        coalesce(w.statement_outcome_fact_id, se.fact_id) as outcome_fact_id
    from with_ratio as w
    left join plans as pl
        on pl.admin_unit_code = w.admin_unit_code
       and pl.period_key = w.period_key
       and pl.indicator_code = w.indicator_code
       and pl.plan_scenario = w.plan_scenario
    left join selected_outcomes as se on se.plan_vs_actual_id = w.plan_vs_actual_id
),

computed as (
    select
        c.*,
        pl.value                                as plan_value,
        pl.measure_unit                         as plan_unit,
        pl.report_id                            as plan_report_id,
        pl.source_page                          as plan_page,
        pl.statement_key                        as plan_statement_key,
        o.scenario                              as outcome_scenario,
        o.value                                 as outcome_value,
        o.measure_unit                          as outcome_unit,
        o.report_id                             as outcome_report_id,
        o.source_page                           as outcome_page,
        o.statement_key                         as outcome_statement_key,
        case
            when pl.comparable_unit = o.comparable_unit and pl.comparable_value <> 0
            then round(o.comparable_value / pl.comparable_value * 100, 4)
        end                                     as computed_ratio_pct,
        case
            when pl.comparable_unit = o.comparable_unit and pl.comparable_value <> 0
            -- = |computed| * (rounding_outcome / |outcome| + rounding_plan / |plan|), also for 0
            then 100 * (o.comparable_rounding
                        + abs(o.comparable_value) * pl.comparable_rounding / abs(pl.comparable_value))
                     / abs(pl.comparable_value)
        end                                     as computed_ratio_rounding,
        -- a growth rate ("Tốc độ tăng ...", "... tăng thêm" in %): reports compare the indices
        case
            when pl.comparable_unit = o.comparable_unit
             and pl.comparable_unit in ('canonical:%', 'written:%')
             and (c.indicator_code like '%growth%'
                  or coalesce(i.indicator_name, '') || ' ' || coalesce(c.stated_ratio_indicator_text, '')
                     ~* '(tăng|tốc độ|growth)')
             and pl.comparable_value > -100 and o.comparable_value > -100
            then (100 + o.comparable_value) / (100 + pl.comparable_value) * 100
        end                                     as index_ratio,
        case
            when pl.comparable_unit = o.comparable_unit
             and pl.comparable_value > -100 and o.comparable_value > -100
            then 100 * (o.comparable_rounding
                        + (100 + o.comparable_value) * pl.comparable_rounding / (100 + pl.comparable_value))
                     / (100 + pl.comparable_value)
        end                                     as index_ratio_rounding
    from chosen as c
    left join observations as pl on pl.fact_id = c.plan_fact_id
    left join observations as o on o.fact_id = c.outcome_fact_id
    left join {{ ref('dim_indicator') }} as i on i.indicator_code = c.indicator_code
),

checked as (
    select
        c.*,
        case
            when c.stated_ratio_pct is null then 'not_stated'
            when c.statement_plan_fact_id is null then 'no_plan_in_statement'
            when c.statement_outcome_fact_id is null then 'no_outcome_in_statement'
            when c.computed_ratio_pct is null then 'not_comparable'
            when abs(c.stated_ratio_pct - c.computed_ratio_pct)
                 <= c.stated_ratio_rounding + c.computed_ratio_rounding + 1e-9
            then 'consistent'
            -- cut at the digits written: stated <= computed < stated + one unit of the last digit
            when sign(c.stated_ratio_pct) * sign(c.computed_ratio_pct) >= 0
             and abs(c.computed_ratio_pct) - abs(c.stated_ratio_pct)
                 between -c.computed_ratio_rounding - 1e-9
                     and 2 * c.stated_ratio_rounding + c.computed_ratio_rounding + 1e-9
            then 'truncated'
            when c.index_ratio is not null
             and c.index_ratio - c.stated_ratio_pct
                 between -c.stated_ratio_rounding - c.index_ratio_rounding - 1e-9
                     and 2 * c.stated_ratio_rounding + c.index_ratio_rounding + 1e-9
            then 'consistent_as_index'
            else 'mismatch'
        end                                     as ratio_status
    from computed as c
)

select
    c.plan_vs_actual_id,
    c.admin_unit_code,
    a.admin_unit_key,
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
    round(c.index_ratio, 4)                     as computed_index_ratio_pct,
    c.stated_ratio_pct,
    c.stated_ratio_of,
    c.ratio_status,
    -- plan, outcome and (when stated) the ratio are the figures of one sentence or table row
    c.plan_statement_key is not distinct from c.outcome_statement_key
        and c.plan_statement_key is not null
        and (c.stated_ratio_statement_key is null or c.stated_ratio_statement_key = c.plan_statement_key)
                                                as is_same_statement,
    case when c.ratio_status in ('consistent', 'truncated', 'consistent_as_index', 'mismatch')
         then round(c.stated_ratio_pct - c.computed_ratio_pct, 4) end as ratio_difference_pp,
    case when c.ratio_status in ('consistent', 'truncated', 'consistent_as_index', 'mismatch')
         then round(c.stated_ratio_rounding + c.computed_ratio_rounding, 6) end as ratio_tolerance_pp,
    case when c.ratio_status in ('consistent', 'truncated', 'consistent_as_index', 'mismatch')
         then c.ratio_status = 'mismatch' end   as is_ratio_mismatch,
    -- all three figures from one report: a mismatch is the report's own inconsistency
    c.plan_report_id is not distinct from c.outcome_report_id
        and (c.stated_ratio_report_id is null or c.stated_ratio_report_id = c.outcome_report_id)
                                                as is_single_report,
    c.plan_fact_id,
    c.outcome_fact_id,
    c.stated_ratio_fact_id,
    c.stated_ratio_source_kind,
    c.stated_ratio_statement,
    c.stated_ratio_raw_text,
    rp.file_name                                as plan_report_file,
    c.plan_page,
    ro.file_name                                as outcome_report_file,
    c.outcome_page,
    rs.file_name                                as stated_ratio_report_file,
    c.stated_ratio_page
from checked as c
-- the unit in the generation of the figures compared (codes repeat across 2022 and 2025)
left join {{ ref('dim_admin_unit') }} as a on a.admin_unit_key = (
    select o.admin_unit_key from {{ ref('fct_indicator_observation') }} as o
    where o.fact_id = coalesce(c.outcome_fact_id, c.plan_fact_id, c.stated_ratio_fact_id)
)
left join {{ ref('dim_period') }} as p on p.period_key = c.period_key
left join {{ ref('dim_indicator') }} as i on i.indicator_code = c.indicator_code
left join {{ ref('dim_report') }} as rp on rp.report_id = c.plan_report_id
left join {{ ref('dim_report') }} as ro on ro.report_id = c.outcome_report_id
left join {{ ref('dim_report') }} as rs on rs.report_id = c.stated_ratio_report_id
