{{ config(materialized='view') }}
-- Published values placed under the units of 2025-07-01, so a province or commune can be
-- compared across the reorganisation: a value of a 2025 unit stays as it is; a value of a 2022
-- unit that lies whole in a 2025 unit (every old province and district, a commune not split) is
-- shown under that successor, with is_predecessor_figure = true and the unit it was reported for.
-- A split commune's values have no single successor and are left out. One row per value: read
-- indicator_totals_across_reform for predecessors' figures summed.
select
    coalesce(a.successor_key, a.admin_unit_key) as successor_key,
    coalesce(a.successor_code, a.admin_unit_code) as successor_code,
    su.admin_unit_name                          as successor_name,
    su.admin_level                              as successor_level,
    a.unit_generation = '2022'                  as is_predecessor_figure,
    v.admin_unit_key                            as reported_unit_key,
    v.admin_unit_name                           as reported_unit_name,
    v.admin_level                               as reported_unit_level,
    v.period_key,
    v.period_type,
    v.period_start,
    v.period_end,
    v.year,
    v.period_label,
    v.indicator_code,
    v.indicator_name,
    v.scenario,
    v.ratio_of_scenario,
    v.role,
    v.value,
    v.measure_unit,
    v.value_canonical,
    v.canonical_unit,
    -- a count, an amount or an area adds up over units; a rate, a share, an average or an
    -- index never does (catalogued indicators only: an uncatalogued one's nature is unknown)
    v.role = 'value' and v.is_catalogued and i.is_rate is false
        and coalesce(v.canonical_unit, v.measure_unit) !~ '(%|/|điểm|chỉ số)'
                                                as is_additive,
    v.report_file,
    v.source_page,
    v.value_id
from {{ ref('indicator_values') }} as v
join {{ ref('dim_admin_unit') }} as a on a.admin_unit_key = v.admin_unit_key
join {{ ref('dim_admin_unit') }} as su on su.admin_unit_key = coalesce(a.successor_key, a.admin_unit_key)
left join {{ ref('dim_indicator') }} as i on i.indicator_code = v.indicator_code
where a.unit_generation = '2025' or a.successor_key is not null
