-- Every figure of a valid report, table cells and narrative facts in one shape: the single
-- place where the two sources meet (fct_indicator_observation, int_indicator_path and int_period
-- read this). Position keys: table_index/row_index/col_index for table figures,
-- fact_index/value_slot for narrative ones (the other side's keys are NULL).
-- catalog_code is the staged catalog code when the catalog seed knows it; a code the seed
-- does not have (a retired code, a catalog/seed mismatch) counts as unmatched, so the figure
-- falls back to its path code and shows up in indicator_curation instead of breaking the build.
with figures as (
    select
        report_id,
        source_kind,
        table_index,
        row_index,
        col_index,
        null::integer                           as fact_index,
        null::text                              as value_slot,
        page_no,
        null::integer                           as footnote_no,
        indicator_name,
        row_path,
        measure_unit,
        -- the unit as compared for conversions: the catalog's spelling, lower case
        {{ unit_key('coalesce(unit_normalised, measure_unit)') }} as unit_key,
        role,
        -- the dim_scenario code: a plan keeps its issuer (plan_hdnd, ratio_to_plan_ubnd_tinh)
        {{ scenario_code('scenario', 'plan_issuer') }} as scenario,
        ratio_of_scenario,
        plan_issuer,
        value_number,
        value_text,
        raw_text,
        null::text                              as sentence,
        null::integer                           as span_start,
        null::integer                           as span_end,
        null::date                              as as_of_date,
        null::text                              as admin_unit_code,
        indicator_code                          as staged_indicator_code,
        match_method,
        match_score,
        catalog_version,
        publication_tier,
        hold_reasons,
        -- a figure in the indicator's own unit (converted to its canonical unit), not a ratio
        role = 'value'                          as in_indicator_unit,
        period_type,
        period_start,
        period_end
    from {{ ref('stg_indicator_value') }}

    union all

    select
        report_id,
        source_kind,
        null::integer,
        null::integer,
        null::integer,
        fact_index,
        value_slot,
        page_no,
        footnote_no,
        indicator_name,
        row_path,
        measure_unit,
        {{ unit_key('coalesce(unit_normalised, measure_unit)') }},
        role,
        scenario,
        ratio_of_scenario,
        plan_issuer,
        value_number,
        value_text,
        raw_text,
        sentence,
        span_start,
        span_end,
        as_of_date,
        admin_unit_code,
        indicator_code,
        match_method,
        match_score,
        catalog_version,
        publication_tier,
        hold_reasons,
        role = 'value' or (role = 'change' and coalesce(change_kind, 'absolute') = 'absolute'),
        period_type,
        period_start,
        period_end
    from {{ ref('stg_narrative_value') }}
)

select
    f.*,
    -- a stock is stated as of a date ("tính đến 31/5/2021"); every other figure is a flow
    -- over its period (or a level at its end, which the reports do not tell apart)
    case when f.as_of_date is not null then 'stock' else 'flow' end as time_basis,
    -- the path of names as the report writes it (clean: NFC, trimmed, single-spaced)
    (
        select string_agg({{ clean_name('e.name') }}, ' > ' order by e.position)
        from jsonb_array_elements_text(f.row_path) with ordinality as e(name, position)
    )                                           as source_path,
    c.indicator_code                            as catalog_code
from figures as f
left join {{ ref('int_indicator_catalog') }} as c
    on c.indicator_code = f.staged_indicator_code
