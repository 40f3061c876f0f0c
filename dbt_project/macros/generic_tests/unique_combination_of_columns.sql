{#
  Generic test: the given columns are unique together (dbt_utils is not available offline).
  Fails with one row per duplicated combination.

  Usage in YAML (model level):
    data_tests:
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: [report_id, table_index, row_index, col_index]
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns_csv = combination_of_columns | join(', ') %}
    select {{ columns_csv }}, count(*) as n_rows
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1
{% endtest %}
