-- Unit conversions (seed unit_conversions: value in from_unit * factor = value in to_unit),
-- keyed by normalised unit names, with the reverse direction derived where the seed lists
-- only one, and the identity for every unit. One row per (from_key, to_key).
with stated as (
    select
        {{ unit_key('from_unit::text') }}       as from_key,
        {{ unit_key('to_unit::text') }}         as to_key,
        factor::numeric                         as factor,
        1                                       as preference
    from {{ ref('unit_conversions') }}
    where factor is not null and factor::numeric <> 0
),

both_ways as (
    select from_key, to_key, factor, preference from stated
    union all
    select to_key, from_key, 1 / factor, 2 from stated
    union all
    select from_key, from_key, 1::numeric, 0 from stated
    union all
    select to_key, to_key, 1::numeric, 0 from stated
)

select distinct on (from_key, to_key)
    from_key,
    to_key,
    factor
from both_ways
where from_key <> '' and to_key <> ''
order by from_key, to_key, preference, factor
