"""The DAG file imports cleanly and has the expected shape: one Cosmos task per dbt seed and model."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from tests.conftest import PROJECT_ROOT

FIRST_TASKS = {"discover", "parse", "validate", "data_docs", "prepare", "marts_outdated", "record", "validate_marts",
               "publish_marts"}


@pytest.fixture(scope="module")
def bag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("VNREPORTS_ALERT_CONN_ID", raising=False)  # parsed as deployed by default: no alerts
        bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag


@pytest.fixture(scope="module")
def dag(bag):
    return bag.dags["vn_reports_ingest"]


@pytest.fixture(scope="module")
def manifest(dag):
    """The manifest the DAG was rendered from (the DAG file made sure it is fresh)."""
    from vnreports.transform import manifest_dir, manifest_is_stale

    assert not manifest_is_stale()
    return json.loads((manifest_dir() / "manifest.json").read_text())


def dbt_nodes(manifest, resource_type: str) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == resource_type}


def task_of(dag, node: dict):
    """dbt.<name>_<model|seed>_build, the task Cosmos renders for a node with TestBehavior.BUILD."""
    return dag.get_task(f"dbt.{node['name']}_{node['resource_type']}_build")


def test_tasks_and_order(dag):
    dbt_tasks = {t.task_id for t in dag.tasks if t.task_id.startswith("dbt.")}
    assert {t.task_id for t in dag.tasks} - dbt_tasks == FIRST_TASKS
    assert dag.get_task("parse").upstream_task_ids == {"discover"}
    assert dag.get_task("validate").upstream_task_ids == {"parse"}
    assert dag.get_task("prepare").upstream_task_ids == {"validate"}
    # Data Docs of the run's validations: once, after every validation, whatever their outcome
    assert dag.get_task("data_docs").upstream_task_ids == {"validate"}
    assert dag.get_task("data_docs").downstream_task_ids == set()
    assert dag.get_task("data_docs").trigger_rule == "all_done"
    group = dag.task_group.children["dbt"]
    roots = {t.task_id for t in group.get_roots()}
    leaves = {t.task_id for t in group.get_leaves()}
    for task_id in dbt_tasks:  # the group's entry tasks follow marts_outdated, nothing else does
        upstream_outside = dag.get_task(task_id).upstream_task_ids - dbt_tasks
        assert upstream_outside == ({"marts_outdated"} if task_id in roots else set()), task_id
    assert dag.get_task("prepare").downstream_task_ids == {"marts_outdated"}
    assert dag.get_task("marts_outdated").downstream_task_ids == roots
    assert dag.get_task("record").upstream_task_ids == leaves
    assert dag.get_task("publish_marts").upstream_task_ids == {"record"}
    # validate_marts reads the built models beside the tests across them
    ends_of_models = {t for t in dbt_tasks - {"dbt.tests_across_models"}
                      if not dag.get_task(t).downstream_task_ids & (dbt_tasks - {"dbt.tests_across_models"})}
    assert dag.get_task("validate_marts").upstream_task_ids == ends_of_models
    assert "dbt.mart_plan_vs_actual_model_build" in ends_of_models
    assert dag.get_task("validate_marts").retries == 0
    assert dag.get_task("parse").execution_timeout == timedelta(hours=2)
    assert "dbt.tests_across_models" in leaves


def test_every_model_and_seed_is_its_own_build_task(dag, manifest):
    from cosmos.operators.local import DbtBuildLocalOperator

    nodes = {**dbt_nodes(manifest, "model"), **dbt_nodes(manifest, "seed")}
    assert len(dbt_nodes(manifest, "model")) >= 10 and len(dbt_nodes(manifest, "seed")) >= 3
    for node in nodes.values():
        task = task_of(dag, node)
        assert isinstance(task, DbtBuildLocalOperator), task.task_id
        # `dbt build --select <this node>`: the node and the tests on it alone
        selected = [task.select] if isinstance(task.select, str) else list(task.select)
        assert selected == [f"fqn:{'.'.join(node['fqn'])}"], task.select
        assert task.indirect_selection == "cautious"
    build_tasks = [t for t in dag.tasks if isinstance(t, DbtBuildLocalOperator)]
    assert len(build_tasks) == len(nodes)


def test_model_tasks_follow_their_upstream_models(dag, manifest):
    nodes = {**dbt_nodes(manifest, "model"), **dbt_nodes(manifest, "seed")}
    for node in nodes.values():
        parents = {p for p in node.get("depends_on", {}).get("nodes", []) if p in nodes}
        expected = {task_of(dag, nodes[p]).task_id for p in parents}
        assert task_of(dag, node).upstream_task_ids - {"marts_outdated"} == expected, node["name"]
    # e.g. the fact table after the staging views and the seeds it reads, the BI view after the fact
    fct = next(n for n in nodes.values() if n["name"].startswith("fct_"))
    upstream = dag.get_task(task_of(dag, fct).task_id).get_flat_relative_ids(upstream=True)
    assert "dbt.stg_valid_report_model_build" in upstream
    assert "dbt.indicator_catalog_seed_build" in upstream
    assert "dbt.indicator_values_model_build" in task_of(dag, fct).get_flat_relative_ids(upstream=False)


def test_tests_spanning_models_run_once_after_all_of_them(dag, manifest):
    """Relationships and singular tests over several models are no model's own test: they run in
    one task after every model they read (a model's task runs only the tests on it alone)."""
    nodes = {**dbt_nodes(manifest, "model"), **dbt_nodes(manifest, "seed")}
    task = dag.get_task("dbt.tests_across_models")
    upstream = task.get_flat_relative_ids(upstream=True)
    spanning = [t for t in dbt_nodes(manifest, "test").values()
                if len({p for p in t.get("depends_on", {}).get("nodes", []) if p in nodes}) != 1]
    assert spanning and set(task.select) == {t["name"] for t in spanning}
    for test in spanning:
        for parent in test.get("depends_on", {}).get("nodes", []):
            if parent in nodes:
                assert task_of(dag, nodes[parent]).task_id in upstream, (test["name"], parent)


def test_dbt_tasks_run_dbt_in_process_against_the_warehouse_connection(dag):
    from cosmos.constants import InvocationMode

    from vnreports.dbt_tasks import WarehouseProfileMapping

    for task in dag.tasks:
        if task.task_id.startswith("dbt."):
            assert task.invocation_mode == InvocationMode.DBT_RUNNER
            mapping = task.profile_config.profile_mapping
            assert isinstance(mapping, WarehouseProfileMapping) and mapping.conn_id == "warehouse"
            assert mapping.profile_args["schema"] == "marts"
            assert task.install_deps is False


def test_failures_keep_reports_from_being_recorded(dag):
    """A failed model fails its task; its downstream tasks and record are not run (upstream_failed),
    so no report is marked loaded. With nothing new to parse, prepare, marts_outdated and record still
    run; the dbt group runs when marts_outdated finds a change (a short circuit that skips only the
    group, so record keeps its own trigger rule)."""
    from airflow.sdk import TriggerRule

    assert dag.get_task("prepare").trigger_rule == TriggerRule.NONE_FAILED
    outdated = dag.get_task("marts_outdated")
    assert outdated.ignore_downstream_trigger_rules is False
    assert "record" not in outdated.downstream_task_ids
    assert dag.get_task("record").trigger_rule == TriggerRule.NONE_FAILED
    for task in dag.tasks:
        if task.task_id.startswith("dbt."):
            assert task.trigger_rule == TriggerRule.ALL_SUCCESS, task.task_id


def test_warehouse_profile_falls_back_to_warehouse_url(monkeypatch):
    from vnreports.dbt_tasks import WarehouseProfileMapping

    monkeypatch.delenv("AIRFLOW_CONN_WAREHOUSE", raising=False)
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://loader:s3cret@db.example:6543/warehouse")
    mapping = WarehouseProfileMapping(conn_id="warehouse", profile_args={"schema": "marts"})
    profile = mapping.profile
    assert (profile["host"], profile["port"], profile["user"], profile["dbname"], profile["schema"]) == (
        "db.example", 6543, "loader", "warehouse", "marts")
    assert "s3cret" not in json.dumps(profile)  # the password goes to dbt through an env variable
    assert mapping.env_vars == {"COSMOS_CONN_POSTGRES_PASSWORD": "s3cret"}


def test_manifest_is_regenerated_when_the_project_changes(tmp_path):
    import shutil

    from vnreports.transform import dbt_manifest_path, manifest_is_stale

    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    manifest = dbt_manifest_path(project)
    assert manifest == project / "target" / "manifest.json" and not manifest_is_stale(project)
    assert dbt_manifest_path(project).stat().st_mtime_ns == manifest.stat().st_mtime_ns  # fresh: not parsed again
    new_model = project / "models" / "marts" / "zz_cosmos_probe.sql"
    new_model.write_text("select 1 as probe\n")
    os.utime(new_model, (manifest.stat().st_mtime + 5, manifest.stat().st_mtime + 5))
    assert manifest_is_stale(project)
    assert "model.vnreports.zz_cosmos_probe" in json.loads(dbt_manifest_path(project).read_text())["nodes"]
    new_model.unlink()  # a removed model changes only its directory
    os.utime(new_model.parent, (manifest.stat().st_mtime + 10, manifest.stat().st_mtime + 10))
    assert manifest_is_stale(project)
    assert "model.vnreports.zz_cosmos_probe" not in json.loads(dbt_manifest_path(project).read_text())["nodes"]


def test_schedule_and_operational_settings(dag):
    # monthly, or an event of the inbox asset (AssetOrTimeSchedule; see test_the_inbox_asset_...)
    assert dag.timetable.timetable.expression in ("@monthly", "0 0 1 * *")
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    discover = dag.get_task("discover")
    assert discover.retries == 2
    assert discover.retry_delay == timedelta(minutes=1)


def test_parse_is_mapped_per_file_and_validate_takes_the_batch(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("parse"), MappedOperator)
    # one GX run per suite over every file of the run (vnreports.validation.validate_reports)
    assert not isinstance(dag.get_task("validate"), MappedOperator)


@pytest.mark.parametrize("dag_file", ["vn_reports_ingest.py", "vn_reports_export.py"])
def test_dag_file_does_not_import_heavy_libraries_at_top_level(dag_file):
    source = (PROJECT_ROOT / "dags" / dag_file).read_text()
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    for heavy in ("pdfplumber", "great_expectations", "dbt", "pandas", "pyarrow", "vnreports"):
        assert not any(heavy in line for line in top_level), heavy


# --- Airflow's own signals: the marts as assets, the export DAG on them, failure alerts ---------

def test_the_marts_are_published_as_assets_after_record(dag, manifest):
    """publish_marts carries one asset per model of the marts schema, after record (so only when
    every dbt task succeeded); it skips itself when the dbt group did not run (no asset event)."""
    from airflow.sdk import Asset, TriggerRule

    from vnreports.assets import mart_uri

    publish = dag.get_task("publish_marts")
    marts = sorted(n["name"] for n in dbt_nodes(manifest, "model").values() if n["schema"] == "marts")
    assert all(isinstance(a, Asset) for a in publish.outlets)
    assert sorted(a.uri for a in publish.outlets) == sorted(mart_uri(name) for name in marts)
    assert mart_uri("indicator_values") in {a.uri for a in publish.outlets}
    assert publish.trigger_rule == TriggerRule.ALL_SUCCESS and publish.downstream_task_ids == set()
    assert not any(t.outlets for t in dag.tasks if t.task_id != "publish_marts")


def test_the_export_dag_is_scheduled_on_the_indicator_values_asset(bag):
    from airflow.sdk import Asset

    from vnreports.assets import mart_asset

    export = bag.dags["vn_reports_export"]
    (asset,) = export.timetable.asset_condition.objects  # schedule=[asset]: all of one asset
    assert isinstance(asset, Asset) and asset == mart_asset("indicator_values")
    assert export.max_active_runs == 1 and export.catchup is False
    assert export.params["period"] is None
    assert [t.task_id for t in export.tasks] == ["export"]


def test_failure_alerts_are_off_by_default_and_on_with_a_connection_id(bag, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from vnreports.alerts import FailureNotifier

    assert bag.dags["vn_reports_ingest"].on_failure_callback is None
    assert bag.dags["vn_reports_export"].on_failure_callback is None
    monkeypatch.setenv("VNREPORTS_ALERT_CONN_ID", "alerts")
    # the export DAG file alone: it parses in milliseconds, the ingest DAG's callback comes from the same function
    export = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "vn_reports_export.py")).dags["vn_reports_export"]
    assert isinstance(export.on_failure_callback, FailureNotifier) and export.on_failure_callback.conn_id == "alerts"


def test_the_inbox_asset_has_a_watcher_the_triggerer_can_rebuild(dag):
    """Event-driven loads: the DAG also runs on events of the asset vnreports_inbox, whose watcher
    is an InboxFilesTrigger (a BaseEventTrigger, as watchers must be) that the triggerer builds
    again from its classpath and kwargs."""
    from importlib import import_module

    from airflow.sdk import AssetOrTimeSchedule
    from airflow.triggers.base import BaseEventTrigger

    assert isinstance(dag.timetable, AssetOrTimeSchedule)
    [asset] = dag.timetable.asset_condition.objects
    assert asset.name == "vnreports_inbox"
    [watcher] = asset.watchers
    classpath, kwargs = watcher.trigger.serialize()
    module, name = classpath.rsplit(".", 1)
    rebuilt = getattr(import_module(module), name)(**kwargs)
    assert isinstance(rebuilt, BaseEventTrigger) and rebuilt.serialize() == (classpath, kwargs)
    assert kwargs["poll_seconds"] <= 20  # a dropped file starts a run within a minute
