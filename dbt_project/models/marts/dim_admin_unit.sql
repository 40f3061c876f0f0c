-- Every province, district and commune of Vietnam (GSO catalogue of 2022-04-10), one row each.
-- The seed has one row per commune with its district and province repeated; five island
-- districts have no communes (empty commune columns).
-- name_key compares names across spellings (see the place_name_key macro): match a name
-- written in a report with  where name_key = <the same macro over that name>.
{{ config(indexes=[{'columns': ['name_key']}, {'columns': ['parent_code']}]) }}
with units as (
    select * from {{ ref('gso_admin_units') }}
),

provinces as (
    select distinct
        province_code                           as admin_unit_code,
        province_name                           as admin_unit_name,
        lower(province_type)                    as admin_unit_type,
        'province'                              as admin_level,
        null::text                              as parent_code,
        province_code,
        province_name,
        null::text                              as district_code,
        null::text                              as district_name,
        province_name                           as full_path
    from units
),

districts as (
    select distinct
        district_code,
        district_name,
        lower(district_type),
        'district',
        province_code,
        province_code,
        province_name,
        district_code,
        district_name,
        province_name || ' > ' || district_name
    from units
),

communes as (
    select
        commune_code,
        commune_name,
        lower(commune_type),
        'commune',
        district_code,
        province_code,
        province_name,
        district_code,
        district_name,
        province_name || ' > ' || district_name || ' > ' || commune_name
    from units
    where nullif(commune_code, '') is not null
),

all_units as (
    select * from provinces
    union all
    select * from districts
    union all
    select * from communes
)

select
    admin_unit_code,
    {{ clean_name('admin_unit_name') }}         as admin_unit_name,
    admin_unit_type,
    admin_level,
    case admin_level when 'province' then 1 when 'district' then 2 else 3 end as admin_level_no,
    parent_code,
    province_code,
    {{ clean_name('province_name') }}           as province_name,
    district_code,
    {{ clean_name('district_name') }}           as district_name,
    {{ clean_name('full_path') }}               as full_path,
    {{ place_name_key('admin_unit_name') }}     as name_key
from all_units
