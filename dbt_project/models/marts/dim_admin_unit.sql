-- Every province, district and commune of Vietnam (GSO catalogue of 2022-04-10), one row each.
-- The seed has one row per commune with its district and province repeated; five island
-- districts have no communes (empty commune columns).
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
        null::text                              as district_code,
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
        district_code,
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
        district_code,
        province_name || ' > ' || district_name || ' > ' || commune_name
    from units
    where nullif(commune_code, '') is not null
)

select * from provinces
union all
select * from districts
union all
select * from communes
