{{ config(materialized='view') }}
-- Additive figures (counts, amounts, areas: is_additive in indicator_values_across_reform) of
-- the 2022 units summed into the 2025 unit that succeeded them, per period, indicator and
-- scenario: Tuyên Quang's 2024 figure comparable with 2026 is old Tuyên Quang's plus old Hà
-- Giang's. Only predecessors of the successor's own level are summed (provinces into a province,
-- communes into a commune), in the canonical unit; rates and averages never appear here.
-- is_complete says whether every predecessor reported: a partial sum is not the successor's figure.
with predecessor_values as (
    select *
    from {{ ref('indicator_values_across_reform') }}
    where is_predecessor_figure
      and is_additive
      and reported_unit_level = successor_level
      and value_canonical is not null
),

predecessors as (
    select successor_key, count(*) as n_predecessors
    from {{ ref('bridge_admin_unit_succession') }}
    where relation = 'whole' and predecessor_level = successor_level
    group by successor_key
)

select
    v.successor_key,
    v.successor_code,
    v.successor_name,
    v.successor_level,
    v.period_key,
    v.period_type,
    v.period_start,
    v.period_end,
    v.indicator_code,
    v.indicator_name,
    v.scenario,
    v.canonical_unit,
    sum(v.value_canonical)                      as total_value,
    count(*)                                    as n_predecessors_reported,
    p.n_predecessors,
    count(*) = p.n_predecessors                 as is_complete,
    string_agg(v.reported_unit_name || ': ' || v.value_canonical::text, '; ' order by v.reported_unit_name)
                                                as predecessor_values
from predecessor_values as v
join predecessors as p on p.successor_key = v.successor_key
group by v.successor_key, v.successor_code, v.successor_name, v.successor_level, v.period_key, v.period_type,
         v.period_start, v.period_end, v.indicator_code, v.indicator_name, v.scenario, v.canonical_unit,
         p.n_predecessors
