{{ config(materialized='view') }}
-- Numbers with a unit in the running text of valid reports that the parser could not make a
-- fact (staging.unresolved_mention), with the reason and, for footnotes, the footnote text:
-- for review of the narrative parser.
select
    r.report_id,
    r.file_name                                 as report_file,
    r.admin_unit_code,
    m.mention_index,
    m.page_no                                   as source_page,
    m.footnote_no,
    m.mention_text,
    m.reason,
    m.sentence,
    m.span_start,
    m.span_end,
    fn.text                                     as footnote_text
from {{ source('staging', 'unresolved_mention') }} as m
join {{ ref('stg_valid_report') }} as r
    on r.report_id = btrim(m.report_id)::text
left join {{ source('staging', 'footnote') }} as fn
    on fn.report_id = m.report_id
   and fn.footnote_no = m.footnote_no
