{#
  dbt's GRANT, but only to roles that exist. The marts grant SELECT to the BI role
  (dbt_project.yml, +grants), which the pipeline's prepare step creates (vnreports.access);
  dbt run on its own before that (a fresh database, a developer's `dbt build`) must still
  build, so a missing role is skipped with a notice instead of failing the model.
#}
{%- macro postgres__get_grant_sql(relation, privilege, grantees) -%}
do $bi_grants$
begin
{%- for grantee in grantees %}
  if exists (select 1 from pg_roles where rolname = '{{ grantee | replace("'", "''") }}') then
    grant {{ privilege }} on {{ relation.render() }} to {{ grantee }};
  else
    raise notice 'role % does not exist: {{ privilege }} on {{ relation.render() | replace("'", "''") }} not granted', '{{ grantee | replace("'", "''") }}';
  end if;
{%- endfor %}
end
$bi_grants$
{%- endmacro -%}
