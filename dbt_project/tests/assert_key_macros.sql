-- The key macros on spellings reports use: a row is a failure.
-- place_name_key: one tone-mark placement, no unit type, any case and spacing.
-- scenario_code: a plan's issuer as table headers write it.
with names (written, expected) as (
    values
        ('Huyện Hoà An', 'hòa an'),
        ('huyện  Hòa An', 'hòa an'),
        ('Xã Đàm Thuỷ', 'đàm thủy'),
        ('Phường Hoà Chung', 'hòa chung'),
        ('Xã Quý Quân', 'quý quân'),
        ('Thị trấn Thanh Nhật', 'thanh nhật'),
        ('Xã Khoẻ', 'khỏe'),
        ('Xã Hoàng Tung', 'hoàng tung')
),

issuers (scenario, plan_issuer, expected) as (
    values
        ('plan', 'HĐND huyện', 'plan_hdnd'),
        ('plan', 'Nghị quyết HĐND', 'plan'),
        ('ratio_to_plan', 'HĐND', 'ratio_to_plan_hdnd'),
        ('plan', 'UBND tỉnh', 'plan_ubnd_tinh'),
        ('ratio_to_plan', 'ubnd tỉnh', 'ratio_to_plan_ubnd_tinh'),
        ('plan', 'UBND', 'plan_ubnd'),
        ('plan', 'Tỉnh ủy', 'plan'),
        ('plan', null, 'plan'),
        ('actual', 'HĐND', 'actual')
)

select written as input, expected, {{ place_name_key('written') }} as got
from names
where {{ place_name_key('written') }} is distinct from expected
union all
select scenario || ' / ' || coalesce(plan_issuer, 'NULL'), expected, {{ scenario_code('scenario', 'plan_issuer') }}
from issuers
where {{ scenario_code('scenario', 'plan_issuer') }} is distinct from expected
