-- The GSO catalogue of 2022-04-10 has 63 provinces, 705 districts and 10,599 communes.
-- A different count means the seed was truncated or its codes lost their zero padding.
with counts as (
    select admin_level, count(*) as n
    from {{ ref('dim_admin_unit') }}
    group by admin_level
),

expected (admin_level, n) as (
    values ('province', 63), ('district', 705), ('commune', 10599)
)

select e.admin_level, e.n as expected, c.n as actual
from expected as e
left join counts as c on c.admin_level = e.admin_level
where c.n is distinct from e.n
