-- Indicators: every indicator of the catalog (seed indicator_catalog, is_catalogued = true),
-- then the fallback codes of names the catalog did not match (is_catalogued = false): one
-- row per normalised path of names, ancestors included, so the names stay visible for
-- curation (see indicator_curation). For fallback rows several spellings (case) can share a
-- code: show the one most figures use, then the first alphabetically, so the name is stable.
with used_codes as (
    -- the catalog codes figures carry, read once (an EXISTS per catalog entry scanned every
    -- figure for each code no figure has: 45 s at 200 reports)
    select distinct catalog_code from {{ ref('int_figure') }} where catalog_code is not null
),

catalogued as (
    select
        c.indicator_code,
        c.name_vi                               as indicator_name,
        c.indicator_path,
        c.parent_code                           as parent_indicator_code,
        c.depth,
        c.indicator_code in (select catalog_code from used_codes) as has_values,
        c.name_vi,
        c.name_en,
        c.topic,
        c.canonical_unit,
        c.is_rate,
        true                                    as is_catalogued
    from {{ ref('int_indicator_catalog') }} as c
),

spellings as (
    select
        indicator_code,
        indicator_name,
        indicator_path,
        parent_indicator_code,
        depth,
        sum(n_values)                           as n_values,
        bool_or(is_full_path)                   as is_full_path
    from {{ ref('int_indicator_path') }}
    group by indicator_code, indicator_name, indicator_path, parent_indicator_code, depth
),

fallback as (
    select distinct on (indicator_code)
        indicator_code,
        indicator_name,
        indicator_path,
        parent_indicator_code,
        depth,
        bool_or(is_full_path) over (partition by indicator_code) as has_values,
        indicator_name                          as name_vi,
        null::text                              as name_en,
        null::text                              as topic,
        null::text                              as canonical_unit,
        null::boolean                           as is_rate,
        false                                   as is_catalogued
    from spellings
    order by indicator_code, n_values desc, indicator_path, indicator_name
)

select * from catalogued
union all
select * from fallback
where indicator_code not in (select indicator_code from catalogued)
