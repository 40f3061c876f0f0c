-- Every administrative unit of Vietnam in its two generations, one row per unit and validity:
--   2022: the GSO catalogue of 2022-04-10 (seed gso_admin_units): 63 provinces, 705 districts,
--         10,599 communes, valid until 2025-06-30 (valid_from NULL: the list does not say since when);
--   2025: the units since 2025-07-01 (seed gso_admin_units_2025): 34 provinces and 3,321 communes,
--         wards and special zones; no districts.
-- Codes repeat across the generations (the new Xã Hạ Lang is 01558, the old Thị trấn Thanh Nhật's
-- code; the new Tỉnh Tuyên Quang keeps 08 and covers old Hà Giang), so the key is
-- admin_unit_key = code:generation; facts carry it (the generation of their report, see the
-- unit_generation macro). successor_* names the new unit an old one lies whole in (every old
-- province and district; an old commune unless it was split); predecessors and splits are in
-- bridge_admin_unit_succession.
-- name_key compares names across spellings (see the place_name_key macro).
{{ config(indexes=[{'columns': ['name_key']}, {'columns': ['parent_code']}, {'columns': ['admin_unit_code']}]) }}
with units as (
    select * from {{ ref('gso_admin_units') }}
),

units_2025 as (
    select * from {{ ref('gso_admin_units_2025') }}
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
        province_name                           as full_path,
        '2022'                                  as unit_generation
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
        province_name || ' > ' || district_name,
        '2022'
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
        province_name || ' > ' || district_name || ' > ' || commune_name,
        '2022'
    from units
    where nullif(commune_code, '') is not null
),

provinces_2025 as (
    select distinct
        province_code,
        province_name,
        lower(province_type),
        'province',
        null::text,
        province_code,
        province_name,
        null::text,
        null::text,
        province_name,
        '2025'
    from units_2025
),

communes_2025 as (
    select
        commune_code,
        commune_name,
        lower(commune_type),
        'commune',
        province_code,
        province_code,
        province_name,
        null::text,
        null::text,
        province_name || ' > ' || commune_name,
        '2025'
    from units_2025
),

all_units as (
    select * from provinces
    union all
    select * from districts
    union all
    select * from communes
    union all
    select * from provinces_2025
    union all
    select * from communes_2025
),

whole_successor as (
    select old_level, old_code, min(new_code) as new_code
    from {{ ref('admin_unit_succession') }}
    group by old_level, old_code
    having bool_and(relation = 'whole') and count(*) = 1
)

select
    {{ admin_unit_key('u.admin_unit_code', 'u.unit_generation') }} as admin_unit_key,
    u.admin_unit_code,
    u.unit_generation,
    case when u.unit_generation = '2025' then date '2025-07-01' end as valid_from,
    case when u.unit_generation = '2022' then date '2025-06-30' end as valid_to,
    {{ clean_name('u.admin_unit_name') }}       as admin_unit_name,
    u.admin_unit_type,
    u.admin_level,
    case u.admin_level when 'province' then 1 when 'district' then 2 else 3 end as admin_level_no,
    u.parent_code,
    {{ admin_unit_key('u.parent_code', 'u.unit_generation') }} as parent_key,
    u.province_code,
    {{ clean_name('u.province_name') }}         as province_name,
    u.district_code,
    {{ clean_name('u.district_name') }}         as district_name,
    {{ clean_name('u.full_path') }}             as full_path,
    {{ place_name_key('u.admin_unit_name') }}   as name_key,
    s.new_code                                  as successor_code,
    {{ admin_unit_key('s.new_code', "'2025'") }} as successor_key,
    exists (
        select 1 from {{ ref('admin_unit_succession') }} as x
        where u.unit_generation = '2022' and x.old_level = u.admin_level and x.old_code = u.admin_unit_code
          and x.relation = 'split'
    )                                           as is_split
from all_units as u
left join whole_successor as s
    on u.unit_generation = '2022'
   and s.old_level = u.admin_level
   and s.old_code = u.admin_unit_code
