-- Narrative facts of valid reports (staging.narrative_fact) as value rows shaped like
-- stg_indicator_value's, one row per figure a sentence states. value_slot says which:
--
--   slot       role     scenario                         value                      unit
--   value      value    the fact's scenario              value_number               the fact's unit
--   plan       value    plan                             plan_value ("7.111/7220")  the fact's unit
--   ratio:<i>  ratio    ratio_to_<base>                  the i-th stated ratio (%)  %
--   change     change   change_to_previous_period        change_value, negative     absolute: the change's unit (else the fact's);
--                                                         for a decrease             percent: '%'; percentage_points: 'điểm %'
--   part       value    the fact's scenario              part_numerator             part_unit (else the fact's)
--   whole      value    total                            part_denominator           part_unit (else the fact's)
--
-- ratio:<i> and change rows carry the fact's scenario in ratio_of_scenario (what was compared).
-- "part" is emitted only when the fact has no value of its own or a different one (otherwise
-- the value row is that figure already). A stock "tính đến 31/5/2021" keeps the period
-- (the fact's, else the report's) and carries as_of_date.
-- unit_normalised (the catalog's spelling, set at staging time) is the fact's; a change or
-- part/whole stated in another unit gets that unit's clean lower-case spelling instead.
with facts as (
    select
        btrim(n.report_id)::text                as report_id,
        n.fact_index, n.page_no, n.footnote_no, n.sentence, n.span_start, n.span_end,
        n.indicator_text, n.indicator_code, n.match_method, n.match_score, n.catalog_version,
        n.value_number, n.unit_normalised, n.scenario, n.period_type, n.period_start, n.period_end, n.as_of_date,
        n.admin_unit_code, n.admin_unit_text, n.stated_ratios, n.change_value, n.change_unit,
        n.change_direction, n.change_kind, n.part_numerator, n.part_denominator, n.part_unit,
        n.plan_value, n.publication_tier, n.hold_reasons,
        substr(n.sentence, n.span_start + 1, greatest(n.span_end - n.span_start, 0)) as mention,
        nullif(btrim(n.measure_unit), '')       as unit,
        r.period_type                           as report_period_type,
        r.period_start                          as report_period_start,
        r.period_end                            as report_period_end
    from {{ source('staging', 'narrative_fact') }} as n
    join {{ ref('stg_valid_report') }} as r
        on r.report_id = btrim(n.report_id)::text
),

slots as (
    select f.*, 'value' as value_slot, 'value' as role, f.scenario as slot_scenario,
           null::text as slot_ratio_of, f.value_number as slot_value, f.unit as slot_unit,
           f.unit_normalised as slot_unit_normalised
    from facts as f
    where f.value_number is not null

    union all
    select f.*, 'plan', 'value', 'plan', null, f.plan_value, f.unit, f.unit_normalised
    from facts as f
    where f.plan_value is not null

    union all
    select f.*, 'ratio:' || (r.ordinality - 1)::text, 'ratio',
           'ratio_to_' || coalesce(nullif(r.ratio ->> 'base', ''), 'unknown'),
           f.scenario, (r.ratio ->> 'value')::numeric, '%', '%'
    from facts as f
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(f.stated_ratios) = 'array' then f.stated_ratios else '[]'::jsonb end
    ) with ordinality as r(ratio, ordinality)

    union all
    select f.*, 'change', 'change', 'change_to_previous_period', f.scenario,
           case when f.change_direction = 'decrease' then -f.change_value else f.change_value end,
           case f.change_kind
               when 'percentage_points' then 'điểm %'
               when 'percent' then '%'
               else coalesce(nullif(btrim(f.change_unit), ''), f.unit)
           end,
           case f.change_kind
               when 'percentage_points' then 'điểm %'
               when 'percent' then '%'
               else {{ slot_unit_normalised('f.change_unit', 'f.unit', 'f.unit_normalised') }}
           end
    from facts as f
    where f.change_value is not null

    union all
    select f.*, 'part', 'value', f.scenario, null, f.part_numerator,
           coalesce(nullif(btrim(f.part_unit), ''), f.unit), {{ slot_unit_normalised('f.part_unit', 'f.unit', 'f.unit_normalised') }}
    from facts as f
    where f.part_numerator is not null
      and (f.value_number is null or f.value_number <> f.part_numerator)

    union all
    select f.*, 'whole', 'value', 'total', null, f.part_denominator,
           coalesce(nullif(btrim(f.part_unit), ''), f.unit), {{ slot_unit_normalised('f.part_unit', 'f.unit', 'f.unit_normalised') }}
    from facts as f
    where f.part_denominator is not null
)

select
    s.report_id,
    'narrative'::text                           as source_kind,
    s.fact_index,
    s.value_slot,
    s.page_no,
    s.footnote_no,
    {{ clean_name('s.indicator_text') }}        as indicator_name,
    -- A sentence names one indicator, no section above it: a path of one name.
    jsonb_build_array({{ clean_name('s.indicator_text') }}) as row_path,
    s.slot_unit                                 as measure_unit,
    s.slot_unit_normalised                      as unit_normalised,
    s.role,
    s.slot_scenario                             as scenario,
    s.slot_ratio_of                             as ratio_of_scenario,
    null::text                                  as plan_issuer,
    s.slot_value                                as value_number,
    null::text                                  as value_text,
    -- the figure's mention as written (sentence[span_start:span_end])
    s.mention                                   as raw_text,
    s.sentence,
    s.span_start,
    s.span_end,
    case when s.value_slot = 'plan' then null else s.as_of_date end as as_of_date,
    nullif(btrim(s.admin_unit_code), '')        as admin_unit_code,
    s.admin_unit_text,
    s.change_kind,
    nullif(btrim(s.indicator_code), '')         as indicator_code,
    s.match_method,
    s.match_score,
    s.catalog_version,
    -- the BI tier of the sentence's fact (vnreports.confidence), the same for all its slots
    s.publication_tier,
    array_to_string(array(select jsonb_array_elements_text(s.hold_reasons)), '; ') as hold_reasons,
    -- Same rule as table figures: the fact's own period if it has one, else the report's; but the
    -- plan of "12.485/15.070 con, đạt 82,8% KH" in a 6-month report is the year's plan (a plan
    -- is set for a year), unless the sentence names a shorter plan ("KH tháng", "kế hoạch 6 tháng").
    case when p.is_year_plan then 'year' else p.period_type end as period_type,
    case when p.is_year_plan then date_trunc('year', p.period_start)::date else p.period_start end as period_start,
    case when p.is_year_plan then (date_trunc('year', p.period_start) + interval '1 year - 1 day')::date
         else p.period_end end as period_end
from slots as s
cross join lateral (
    select r.period_type, r.period_start, r.period_end,
           s.value_slot = 'plan'
           and r.period_type is distinct from 'year'
           and extract(year from r.period_start) = extract(year from r.period_end)
           and s.sentence !~* '(KH|kế hoạch|chỉ tiêu)\s+(tháng|quý|vụ|[0-9]+\s+tháng)' as is_year_plan
    from (select
        case when s.period_type is not null then s.period_type  else s.report_period_type  end as period_type,
        case when s.period_type is not null then s.period_start else s.report_period_start end as period_start,
        case when s.period_type is not null then s.period_end   else s.report_period_end   end as period_end
    ) as r
) as p
