-- A table, not a view like the other intermediate models: it reads every figure, and its
-- readers and tests would each compute it again (about 6 s apiece at 200 reports).
{{ config(materialized='table') }}

-- Every prefix of every indicator path seen in valid reports, with its code.
-- Ancestors ("Chỉ tiêu kinh tế" above "GRDP bình quân đầu người") are section rows without
-- values of their own; listing the prefixes gives each parent_indicator_code a row in
-- dim_indicator.
-- indicator_code = md5 of the normalised path joined with ' > ': the fallback code of figures
-- the indicator catalog does not know (catalog_code NULL), so they stay visible for curation.
-- Only unmatched figures' paths are listed; catalogued figures take their catalog code.
with paths as (
    select row_path, count(*) as n_values
    from {{ ref('int_figure') }}
    where catalog_code is null
    group by row_path
),

elements as (
    select
        p.row_path,
        p.n_values,
        e.position::integer                     as position,
        {{ clean_name('e.name') }}              as name,
        {{ normalise_name('e.name') }}          as name_key
    from paths as p
    cross join lateral jsonb_array_elements_text(p.row_path) with ordinality as e(name, position)
)

select
    leaf.row_path,
    leaf.position                               as depth,
    leaf.position = jsonb_array_length(leaf.row_path) as is_full_path,
    -- figures recorded under the full path; lets dim_indicator show the usual spelling
    leaf.n_values,
    leaf.name                                   as indicator_name,
    string_agg(anc.name, ' > ' order by anc.position) as indicator_path,
    md5(string_agg(anc.name_key, ' > ' order by anc.position)) as indicator_code,
    -- The same path without its last element; NULL (no rows to aggregate) at the top level.
    md5(string_agg(anc.name_key, ' > ' order by anc.position)
        filter (where anc.position < leaf.position)) as parent_indicator_code
from elements as leaf
join elements as anc
    on anc.row_path = leaf.row_path
   and anc.position <= leaf.position
group by leaf.row_path, leaf.position, leaf.n_values, leaf.name
