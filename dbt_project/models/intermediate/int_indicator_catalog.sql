-- The indicator catalog (seed indicator_catalog, written with vnreports.catalog) with typed
-- columns and its hierarchy resolved: path of names from the top and depth.
-- Seed types are inferred by dbt, so every column is cast here.
with recursive catalog as (
    select
        btrim(indicator_code::text)             as indicator_code,
        {{ clean_name('name_vi::text') }}       as name_vi,
        nullif({{ clean_name('name_en::text') }}, '') as name_en,
        nullif(btrim(topic::text), '')          as topic,
        nullif(btrim(canonical_unit::text), '') as canonical_unit,
        nullif(btrim(parent_code::text), '')    as parent_code,
        case
            when lower(btrim(is_rate::text)) in ('true', 't', '1', 'yes', 'y') then true
            when lower(btrim(is_rate::text)) in ('false', 'f', '0', 'no', 'n', '') then false
        end                                     as is_rate
    from {{ ref('indicator_catalog') }}
    where nullif(btrim(indicator_code::text), '') is not null
),

tree (indicator_code, indicator_path, depth) as (
    select indicator_code, name_vi, 1
    from catalog
    where parent_code is null
       or parent_code not in (select indicator_code from catalog)
    union all
    select c.indicator_code, t.indicator_path || ' > ' || c.name_vi, t.depth + 1
    from catalog as c
    join tree as t on c.parent_code = t.indicator_code
    where t.depth < 20  -- a cycle in the seed cannot loop forever
)

select
    c.indicator_code,
    c.name_vi,
    c.name_en,
    c.topic,
    c.canonical_unit,
    c.parent_code,
    c.is_rate,
    coalesce(t.indicator_path, c.name_vi)       as indicator_path,
    coalesce(t.depth, 1)                        as depth
from catalog as c
left join (
    select distinct on (indicator_code) indicator_code, indicator_path, depth
    from tree
    order by indicator_code, depth
) as t on t.indicator_code = c.indicator_code
