-- Which unit of the 2022 list became which unit of 2025-07-01, key to key (seed
-- admin_unit_succession): an old province or district lies whole in its new province; an old
-- commune lies whole in one new commune or is split across several (one row per part). Read it
-- from the new unit to find its predecessors, from the old one for its successors.
select
    {{ admin_unit_key('s.old_code', "'2022'") }} as predecessor_key,
    s.old_code                                  as predecessor_code,
    s.old_level                                 as predecessor_level,
    s.old_name                                  as predecessor_name,
    {{ admin_unit_key('s.new_code', "'2025'") }} as successor_key,
    s.new_code                                  as successor_code,
    s.new_level                                 as successor_level,
    s.new_name                                  as successor_name,
    s.relation,
    s.is_main_successor,
    date '2025-07-01'                           as effective_date
from {{ ref('admin_unit_succession') }} as s
