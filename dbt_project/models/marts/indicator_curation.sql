{{ config(materialized='view') }}
-- Names the indicator catalog did not match, for curation (add an alias or an indicator to
-- the catalog seeds): one row per fallback code with how often and where it occurs.
with unmatched as (
    select
        f.*,
        r.file_name
    from {{ ref('fct_indicator_observation') }} as f
    join {{ ref('dim_report') }} as r on r.report_id = f.report_id
    where not f.is_catalogued
)

select
    u.indicator_code,
    i.indicator_name,
    i.indicator_path,
    count(*)                                    as n_values,
    count(distinct u.report_id)                 as n_reports,
    string_agg(distinct u.source_kind, ', ')    as source_kinds,
    string_agg(distinct u.measure_unit, ', ')   as measure_units,
    -- an example of where it was read: a narrative sentence when there is one, else the
    -- table figure's text; from the lowest page of the first report (stable between runs)
    (array_agg(coalesce(u.sentence, i.indicator_path || ': ' || u.raw_text)
        order by u.sentence is null, u.file_name, u.source_page, u.fact_id))[1] as example_sentence,
    (array_agg(u.file_name
        order by u.sentence is null, u.file_name, u.source_page, u.fact_id))[1] as example_report_file,
    (array_agg(u.source_page
        order by u.sentence is null, u.file_name, u.source_page, u.fact_id))[1] as example_page
from unmatched as u
left join {{ ref('dim_indicator') }} as i on i.indicator_code = u.indicator_code
group by u.indicator_code, i.indicator_name, i.indicator_path
