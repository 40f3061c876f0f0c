-- One value per (admin unit, period, indicator, scenario) -- and, for a stated ratio or change,
-- per scenario it compares (ratio_of_scenario: the actual's or the estimate's ratio to plan).
-- When several statements give that figure (a 6-month and an annual report, a table and a
-- sentence, a district report and the province's) the most authoritative, then most recent
-- one is kept; all of them stay in fct_indicator_observation. The order, first rule first:
--   1. the unit's own report (a district states its own figure) before another unit's report
--      about it (a district report's sentence about a commune, the province's about a district);
--   2. a table cell before a sentence: annex tables are a report's formal figures;
--   3. the most recent report: issue date (unknown last), then the end of its reporting period
--      (a 9-month report after a 6-month one), then when it was parsed;
--   4. then the closer indicator match, the earlier page, and the fact id (stable between runs).
-- Only statements of the BI tier compete (is_published, vnreports.confidence): a held statement
-- waits in indicator_review and never decides a published value.
-- An estimate and the actual of the same figure are different scenarios and both stay;
-- is_superseded_by_actual marks the estimate once an actual is known.
{{ config(indexes=[
    {'columns': ['admin_unit_code', 'period_key', 'indicator_code']},
    {'columns': ['indicator_code', 'period_key']},
]) }}
with observations as (
    select
        o.*,
        r.issue_date                            as report_issue_date,
        r.period_end                            as report_period_end,
        r.parsed_at                             as report_parsed_at,
        -- observations are compared in the canonical unit when both convert, else as written
        {{ comparable_columns('o') }}
    from {{ ref('fct_indicator_observation') }} as o
    join {{ ref('stg_valid_report') }} as r
        on r.report_id = o.report_id
    where o.is_published
      and o.value is not null
      and o.admin_unit_code is not null
      and o.period_key is not null
      and o.indicator_code is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by admin_unit_key, period_key, indicator_code, scenario, ratio_of_scenario
            order by
                is_own_unit desc,
                source_kind = 'table' desc,
                report_issue_date desc nulls last,
                report_period_end desc nulls last,
                report_parsed_at desc,
                match_score desc nulls last,
                source_page,
                fact_id
        )                                       as authority_rank
    from observations
),

selected as (
    select * from ranked where authority_rank = 1
),

agreement as (
    select
        s.fact_id,
        count(*)                                as n_observations,
        count(distinct o.report_id)             as n_reports,
        -- another statement of the figure differs beyond what rounding explains, or is in a
        -- unit that cannot be compared (a misread unit or indicator)
        coalesce(bool_or(
            o.comparable_unit <> s.comparable_unit
            or abs(o.comparable_value - s.comparable_value) > o.comparable_rounding + s.comparable_rounding
        ), false)                               as has_conflicting_values
    from selected as s
    join ranked as o
        on o.admin_unit_key = s.admin_unit_key
       and o.period_key = s.period_key
       and o.indicator_code = s.indicator_code
       and o.scenario = s.scenario
       and o.ratio_of_scenario is not distinct from s.ratio_of_scenario
    group by s.fact_id
)

select
    -- (a unit of 2025-07-01 hashes with its generation: its code may be an old unit's)
    md5(case when s.admin_unit_key like '%:2025' then s.admin_unit_key else s.admin_unit_code end
        || '|' || s.period_key || '|' || s.indicator_code || '|' || s.scenario
        || '|' || coalesce(s.ratio_of_scenario, ''))  as value_id,
    s.admin_unit_code,
    s.admin_unit_key,
    s.period_key,
    s.indicator_code,
    s.scenario,
    s.ratio_of_scenario,
    s.role,
    s.time_basis,
    s.as_of_date,
    s.is_catalogued,
    s.value,
    s.value_text,
    s.measure_unit,
    s.value_canonical,
    s.canonical_unit,
    s.canonical_factor,
    s.value_rounding,
    s.plan_issuer,
    s.scenario = 'estimate' and exists (
        select 1
        from selected as a
        where a.scenario = 'actual'
          and a.admin_unit_key = s.admin_unit_key
          and a.period_key = s.period_key
          and a.indicator_code = s.indicator_code
    )                                           as is_superseded_by_actual,
    a.n_observations,
    a.n_reports,
    a.has_conflicting_values,
    -- the statement kept: its provenance
    s.fact_id,
    s.report_id,
    s.source_kind,
    s.source_page,
    s.raw_text,
    s.sentence,
    s.indicator_text,
    s.source_path
from selected as s
join agreement as a
    on a.fact_id = s.fact_id
