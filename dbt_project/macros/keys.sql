{#
  Key builders shared by the dimensions and the fact, so both sides of every join compute
  the key the same way.
#}

{# Period key, e.g. 'year:2022-01-01:2022-12-31'. NULL unless type, start and end are all known.
   to_char rather than ::text so the key does not depend on the session's DateStyle. #}
{% macro period_key(period_type, period_start, period_end) -%}
    case
        when {{ period_type }} is not null
         and {{ period_start }} is not null
         and {{ period_end }} is not null
        then {{ period_type }}
             || ':' || to_char({{ period_start }}, 'YYYY-MM-DD')
             || ':' || to_char({{ period_end }}, 'YYYY-MM-DD')
    end
{%- endmacro %}

{# A name as displayed: NFC, trimmed, single-spaced (PDF text often has doubled spaces). #}
{% macro clean_name(expr) -%}
    regexp_replace(btrim(normalize({{ expr }}, NFC)), '\s+', ' ', 'g')
{%- endmacro %}

{# A name as compared for its code: the clean name in lower case. Reports write the same
   indicator with different case and spacing. #}
{% macro normalise_name(expr) -%}
    lower({{ clean_name(expr) }})
{%- endmacro %}

{# A unit as compared for conversions: the clean name in lower case ("Triệu đồng" = "triệu  đồng"). #}
{% macro unit_key(expr) -%}
    lower({{ clean_name(expr) }})
{%- endmacro %}

{# The normalised unit of a figure a sentence states in its own unit (a change, a part/whole):
   the fact's normalised unit when the figure's unit is unset or the fact's, else the
   figure's unit as a unit_key. #}
{% macro slot_unit_normalised(slot_unit, fact_unit, fact_unit_normalised) -%}
    case
        when nullif(btrim({{ slot_unit }}), '') is null
          or {{ unit_key(slot_unit) }} = {{ unit_key(fact_unit) }}
        then {{ fact_unit_normalised }}
        else {{ unit_key(slot_unit) }}
    end
{%- endmacro %}

{# The scenario code of dim_scenario: a plan (or a ratio to the plan) whose issuer the report
   names gets the issuer's code ("KH HĐND huyện giao" -> plan_hdnd), so plans set by different
   bodies for the same figure stay apart. Other issuers (Tỉnh ủy, Chính phủ) keep the plain
   code; the issuer as written stays in plan_issuer. #}
{% macro scenario_code(scenario, plan_issuer) -%}
    case
        when {{ scenario }} in ('plan', 'ratio_to_plan')
         and upper(normalize(btrim({{ plan_issuer }}), NFC)) like 'HĐND%'
        then {{ scenario }} || '_hdnd'
        when {{ scenario }} in ('plan', 'ratio_to_plan')
         and upper(normalize(btrim({{ plan_issuer }}), NFC)) like 'UBND TỈNH%'
        then {{ scenario }} || '_ubnd_tinh'
        when {{ scenario }} in ('plan', 'ratio_to_plan')
         and upper(normalize(btrim({{ plan_issuer }}), NFC)) like 'UBND%'
        then {{ scenario }} || '_ubnd'
        else {{ scenario }}
    end
{%- endmacro %}

{# A place name as compared across spellings: NFC, lower case, single-spaced, without the unit
   type in front ("Huyện Hoà An" -> "hòa an"), and with one tone-mark placement. Vietnamese
   writes the tone of an open oa/oe/uy syllable on either vowel ("Hoà"/"Hòa", "Thuỷ"/"Thủy");
   the GSO list puts it on the first, so the other placement is moved there. "qu" is a
   consonant, so "Quý" keeps its mark on the y. #}
{% macro place_name_key(expr) -%}
    {%- set moves = [
        ('oà', 'òa'), ('oá', 'óa'), ('oả', 'ỏa'), ('oã', 'õa'), ('oạ', 'ọa'),
        ('oè', 'òe'), ('oé', 'óe'), ('oẻ', 'ỏe'), ('oẽ', 'õe'), ('oẹ', 'ọe'),
        ('uỳ', 'ùy'), ('uý', 'úy'), ('uỷ', 'ủy'), ('uỹ', 'ũy'), ('uỵ', 'ụy'),
    ] -%}
    {%- set ns = namespace(sql="regexp_replace(lower(" ~ clean_name(expr) ~ "), "
        ~ "'^(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn)\\s+', '')") -%}
    {%- for new_style, old_style in moves -%}
        {%- set guard = "(?<!q)" if new_style.startswith('u') else "" -%}
        {%- set ns.sql = "regexp_replace(" ~ ns.sql ~ ", '" ~ guard ~ new_style ~ "(?![[:alpha:]])', '" ~ old_style ~ "', 'g')" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}

{# Three columns to compare figures of one indicator across statements: the value in the
   canonical unit when it converts, else as written; that unit (tagged so a canonical and a
   written unit never compare equal); and the value's rounding in the same unit. #}
{% macro comparable_columns(alias) -%}
    coalesce({{ alias }}.value_canonical, {{ alias }}.value) as comparable_value,
    case
        when {{ alias }}.value_canonical is not null then 'canonical:' || {{ alias }}.canonical_unit
        else 'written:' || coalesce({{ unit_key(alias ~ '.measure_unit') }}, '')
    end                                     as comparable_unit,
    {{ alias }}.value_rounding * coalesce({{ alias }}.canonical_factor, 1) as comparable_rounding
{%- endmacro %}

{# The generation of administrative units a report's codes belong to: '2025' when the report was
   issued (else its period ended) on or after 2025-07-01, the day districts ended and 34 provinces
   began; else '2022' (the GSO list of 2022-04-10). The parser reads unit names by the same rule
   (vnreports.parsing.admin_units.units_date). #}
{% macro unit_generation(issue_date, period_end) -%}
    case when coalesce({{ issue_date }}, {{ period_end }}) >= date '2025-07-01' then '2025' else '2022' end
{%- endmacro %}

{# A unit's key in dim_admin_unit: its code and generation, '04:2022' / '04:2025' (codes repeat
   across the two generations). #}
{% macro admin_unit_key(code, generation) -%}
    case when {{ code }} is not null then {{ code }} || ':' || {{ generation }} end
{%- endmacro %}
