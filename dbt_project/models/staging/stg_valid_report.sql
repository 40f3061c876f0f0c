-- The reports allowed into the marts: the original file row (not a duplicate) has passed
-- validation ('validated') or was already published ('loaded'). Quarantined, failed and
-- not-yet-validated reports stay out, even though their staging rows exist.
-- At most one non-duplicate file row exists per report_id (unique index in the DDL),
-- so this join cannot multiply reports.
with report_file as (
    select *
    from {{ source('raw', 'report_file') }}
    where status in ('validated', 'loaded')
)

select
    -- report_id is char(64) in the landing tables; text everywhere in dbt.
    btrim(r.report_id)::text                    as report_id,
    f.file_id,
    r.file_name,
    f.file_path,
    f.size_bytes,
    f.status,
    f.status_at,
    r.page_count,
    r.producer,
    r.issuer_name,
    nullif(btrim(r.admin_unit_code), '')        as admin_unit_code,
    -- the unit generation its codes belong to (2022 list, or the units since 2025-07-01)
    {{ unit_generation('r.issue_date', 'r.period_end') }} as unit_generation,
    {{ admin_unit_key("nullif(btrim(r.admin_unit_code), '')", unit_generation('r.issue_date', 'r.period_end')) }} as admin_unit_key,
    r.admin_unit_name,
    r.admin_level,
    r.doc_type,
    r.doc_number,
    r.issue_date,
    r.title,
    r.period_type,
    r.period_start,
    r.period_end,
    {{ period_key('r.period_type', 'r.period_start', 'r.period_end') }} as period_key,
    r.plan_year,
    -- where the unit and the period were read ("header", "title", "admin_units:...", or
    -- "operator_override" when an operator set them: vnreports metadata set)
    r.metadata_sources -> 'admin_unit_code' ->> 'method' as unit_source,
    r.metadata_sources -> 'period_start' ->> 'method'    as period_source,
    r.metadata_sources,
    jsonb_array_length(r.warnings)              as warning_count,
    r.parser_version,
    -- the catalog version the report's codes and BI tiers were resolved with (ingest.rematch_catalog)
    r.catalog_version,
    f.discovered_at,
    r.parsed_at,
    f.validated_at,
    -- No loaded_at column in the registry: the status change to 'loaded' is that moment.
    case when f.status = 'loaded' then f.status_at end as loaded_at
from {{ source('staging', 'report') }} as r
join report_file as f
    on f.report_id = r.report_id
