-- The GSO catalogue of 2022-04-10 has 63 provinces, 705 districts and 10,599 communes; since
-- 2025-07-01 Vietnam has 34 provinces and 3,321 communes, wards and special zones, no districts.
-- A different count means a seed was truncated or its codes lost their zero padding.
with counts as (
    select unit_generation, admin_level, count(*) as n
    from {{ ref('dim_admin_unit') }}
    group by unit_generation, admin_level
),

expected (unit_generation, admin_level, n) as (
    values ('2022', 'province', 63), ('2022', 'district', 705), ('2022', 'commune', 10599),
           ('2025', 'province', 34), ('2025', 'commune', 3321)
)

select coalesce(e.unit_generation, c.unit_generation) as unit_generation,
       coalesce(e.admin_level, c.admin_level) as admin_level, e.n as expected, c.n as actual
from expected as e
full join counts as c on c.unit_generation = e.unit_generation and c.admin_level = e.admin_level
where c.n is distinct from e.n
