-- What a figure is: an actual, an estimate, a plan (with who set it), a target, a total, or a
-- ratio / change the report states against a base. From the seed scenarios; fact rows carry
-- the code in their scenario column (see the scenario_code macro for how issuers map).
select
    btrim(scenario::text)                       as scenario,
    btrim(scenario_kind::text)                  as scenario_kind,
    nullif(btrim(compared_with::text), '')      as compared_with,
    nullif(btrim(plan_issuer_code::text), '')   as plan_issuer_code,
    {{ clean_name('label_vi::text') }}          as label_vi,
    {{ clean_name('label_en::text') }}          as label_en,
    {{ clean_name('description::text') }}       as description,
    sort_order::integer                         as sort_order
from {{ ref('scenarios') }}
