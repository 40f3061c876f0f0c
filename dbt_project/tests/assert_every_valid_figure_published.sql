-- Every staging.indicator_value row of a valid report reaches the fact exactly once (no
-- figure lost by a join, none multiplied by a duplicate file row), and every narrative fact
-- of a valid report reaches it with exactly its value rows (stg_narrative_value) and at least
-- one of them (GX makes sure a fact states a value, a part/whole or a change).
with valid as (
    select report_id
    from {{ source('raw', 'report_file') }}
    where status in ('validated', 'loaded')
),

expected_table as (
    select btrim(v.report_id)::text as report_id, count(*) as n_staging
    from {{ source('staging', 'indicator_value') }} as v
    join valid as f on f.report_id = v.report_id
    group by 1
),

actual_table as (
    select report_id, count(*) as n_fact
    from {{ ref('fct_indicator_observation') }}
    where source_kind = 'table'
    group by 1
),

table_mismatch as (
    select coalesce(e.report_id, a.report_id) as report_id, 'table' as source_kind,
           null::integer as fact_index, e.n_staging, a.n_fact
    from expected_table as e
    full join actual_table as a on a.report_id = e.report_id
    where e.n_staging is distinct from a.n_fact
),

-- the value rows of each fact, counted once over the view (not once per fact: its cost then
-- follows the rows, where a count per fact grew with the square of a month's facts)
narrative_slots as (
    select report_id, fact_index, count(*) as n_slots
    from {{ ref('stg_narrative_value') }}
    group by 1, 2
),

expected_narrative as (
    select btrim(n.report_id)::text as report_id, n.fact_index, coalesce(s.n_slots, 0) as n_slots
    from {{ source('staging', 'narrative_fact') }} as n
    join valid as f on f.report_id = n.report_id
    left join narrative_slots as s
        on s.report_id = btrim(n.report_id)::text and s.fact_index = n.fact_index
),

actual_narrative as (
    select report_id, fact_index, count(*) as n_fact
    from {{ ref('fct_indicator_observation') }}
    where source_kind = 'narrative'
    group by 1, 2
),

narrative_mismatch as (
    select coalesce(e.report_id, a.report_id), 'narrative', coalesce(e.fact_index, a.fact_index),
           e.n_slots, a.n_fact
    from expected_narrative as e
    full join actual_narrative as a
        on a.report_id = e.report_id and a.fact_index = e.fact_index
    where e.n_slots is distinct from a.n_fact
       or coalesce(a.n_fact, 0) = 0
)

select * from table_mismatch
union all
select * from narrative_mismatch
