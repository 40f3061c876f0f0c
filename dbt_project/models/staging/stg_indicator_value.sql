-- Indicator values of valid reports, with the period each figure is about resolved.
select
    v.report_id,
    v.source_kind,
    v.table_index,
    v.row_index,
    v.col_index,
    v.page_no,
    v.indicator_name,
    -- row_path should always be parent_path + [indicator_name]; fall back to the name alone
    -- so a malformed path cannot drop the figure from the indicator dimension.
    case
        when jsonb_typeof(v.row_path) = 'array' and jsonb_array_length(v.row_path) > 0
        then v.row_path
        else jsonb_build_array(v.indicator_name)
    end                                         as row_path,
    nullif(btrim(v.measure_unit), '')           as measure_unit,
    -- the unit in the catalog's spelling (catalog.normalise_unit at staging time)
    nullif(btrim(v.unit_normalised), '')        as unit_normalised,
    v.role,
    -- One column for BI: the scenario of a figure, or for a stated ratio what it compares
    -- with ("ratio_to_plan", "ratio_to_previous_period", ...). The ratio's own scenario (the
    -- numerator's) stays in ratio_of_scenario.
    case
        when v.role = 'ratio' then 'ratio_to_' || coalesce(v.ratio_base, 'unknown')
        else v.scenario
    end                                         as scenario,
    case when v.role = 'ratio' then v.scenario end as ratio_of_scenario,
    v.plan_issuer,
    v.value_number,
    v.value_text,
    v.raw_text,
    -- catalog match made at staging time (NULL = unmatched)
    nullif(btrim(v.indicator_code), '')         as indicator_code,
    v.match_method,
    v.match_score,
    v.catalog_version,
    -- the BI tier (vnreports.confidence): 'published' or 'held', with the reasons held
    v.publication_tier,
    array_to_string(array(select jsonb_array_elements_text(v.hold_reasons)), '; ') as hold_reasons,
    -- A column without a period of its own ("Ước TH") is about the report's period.
    -- Take the whole (type, start, end) from one side, never mix the two.
    case when v.period_type is not null then v.period_type  else r.period_type  end as period_type,
    case when v.period_type is not null then v.period_start else r.period_start end as period_start,
    case when v.period_type is not null then v.period_end   else r.period_end   end as period_end
from {{ source('staging', 'indicator_value') }} as v
join {{ ref('stg_valid_report') }} as r
    on r.report_id = btrim(v.report_id)::text
