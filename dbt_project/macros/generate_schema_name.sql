{#
  Use a model's custom schema verbatim (marts, marts_internal, reference) instead of dbt's
  default "<target schema>_<custom schema>", so BI tools find the marts in schema "marts".
  Nodes without a custom schema land in the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
