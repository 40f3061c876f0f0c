-- Indicators as named in the reports, one row per normalised path, ancestors included.
-- Several spellings (case) can share a code: show the one most figures use, then the first
-- alphabetically, so the name is stable between runs.
with spellings as (
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
)

select distinct on (indicator_code)
    indicator_code,
    indicator_name,
    indicator_path,
    parent_indicator_code,
    depth,
    bool_or(is_full_path) over (partition by indicator_code) as has_values
from spellings
order by indicator_code, n_values desc, indicator_path, indicator_name
