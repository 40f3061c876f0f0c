"""Production access control (issue 16): the FAB auth manager's roles on a real api-server.

docker-compose.yml runs every Airflow component with the FAB auth manager; its airflow-init
migrates the metadata database and creates the users from the environment with
`python -m vnreports.airflow_users`. Here the same two steps run against a new metadata database
on the session's embedded PostgreSQL, with an admin, an operator (role Op) and a viewer (role
Viewer) in the environment. A one-task DAG then runs once with `airflow dags test` (in process:
a finished task instance without a scheduler), and a real `airflow api-server` starts. Each user
gets a JWT from the FAB auth manager's POST /auth/token, and:

- the admin lists the users: each has the role its variables gave it; the operator may not list them;
- the viewer reads the run and its task instance, and gets 403 clearing the task instance,
  marking it and triggering a run; the task instance is as it was;
- the operator clears it (the task instance has no state again, its run is queued), marks it
  success and triggers a run;
- a wrong password gets no token (401), a request without a token is refused (401), and one
  with the admin's claims signed with another key too (403).

Cost: about 35 CPU-seconds (four Airflow processes start: db migrate, the users, dags test, the
api-server; no scheduler, dag-processor or worker); 2 min 50 s of wall time measured at nice 19 on
two cores that other work kept busy.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import create_database, drop_database, free_port
from vnreports.airflow_users import FAB_AUTH_MANAGER
from vnreports.local_airflow import _stop_group

DAG_ID = "access_probe"
TASK_ID = "hello"
PROBE_DAG = f'''
import pendulum
from airflow.sdk import dag, task


@dag(dag_id="{DAG_ID}", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def access_probe():
    @task
    def {TASK_ID}():
        return "hello"

    {TASK_ID}()


access_probe()
'''


def test_users_from_env_reads_each_pair_and_names_what_is_missing():
    from vnreports.airflow_users import users_from_env

    admin = {"AIRFLOW_ADMIN_USERNAME": "admin", "AIRFLOW_ADMIN_PASSWORD": "pw-a"}
    assert [(u.username, u.role) for u in users_from_env(admin)] == [("admin", "Admin")]
    both = {**admin, "AIRFLOW_OPERATOR_USERNAME": "ops", "AIRFLOW_OPERATOR_PASSWORD": "pw-o",
            "AIRFLOW_VIEWER_USERNAME": "", "AIRFLOW_VIEWER_PASSWORD": ""}  # compose's ${VAR:-}: no viewer
    assert [(u.username, u.role) for u in users_from_env(both)] == [("admin", "Admin"), ("ops", "Op")]
    assert "pw-o" not in repr(users_from_env(both))
    with pytest.raises(SystemExit, match="AIRFLOW_ADMIN_PASSWORD not set"):
        users_from_env({"AIRFLOW_ADMIN_USERNAME": "admin"})
    with pytest.raises(SystemExit, match="AIRFLOW_VIEWER_PASSWORD not set"):
        users_from_env({**admin, "AIRFLOW_VIEWER_USERNAME": "analyst"})
    with pytest.raises(SystemExit, match="AIRFLOW_OPERATOR_USERNAME not set"):
        users_from_env({**admin, "AIRFLOW_OPERATOR_PASSWORD": "pw-o"})
    with pytest.raises(SystemExit, match="one username for two roles"):
        users_from_env({**admin, "AIRFLOW_VIEWER_USERNAME": "admin", "AIRFLOW_VIEWER_PASSWORD": "pw-v"})


def _tail(path: Path, chars: int = 4000) -> str:
    return f"\n--- {path.name} ---\n" + path.read_text(errors="replace")[-chars:] if path.exists() else ""


class Http:
    """The api-server over HTTP: (status, JSON body) for any answer, errors included."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(self, method: str, path: str, token: str | None = None, body=None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")

    def healthy(self) -> bool:
        try:
            return self.call("GET", "/api/v2/monitor/health")[0] == 200
        except (urllib.error.URLError, ConnectionError, OSError):  # not listening yet
            return False

    def token(self, username: str, password: str) -> str:
        status, body = self.call("POST", "/auth/token", body={"username": username, "password": password})
        assert status == 201, (username, status, body)
        return body["access_token"]


def _run(args: list[str], env: dict[str, str], log: Path, timeout: float = 600) -> None:
    with log.open("w") as out:
        done = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args[:4])} failed" + _tail(log)


@pytest.fixture(scope="module")
def fab_airflow(embedded_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("access")
    dags, plugins, logs = root / "dags", root / "plugins", root / "logs"
    for folder in (dags, plugins, logs):
        folder.mkdir()
    (dags / f"{DAG_ID}.py").write_text(textwrap.dedent(PROBE_DAG), encoding="utf-8")
    metadata = create_database(embedded_warehouse[1])
    port = free_port()
    users = {  # (role, username, password), as docker-compose.yml passes them to airflow-init
        "admin": ("Admin", "chief", secrets.token_urlsafe(12)),
        "operator": ("Op", "ops-oncall", secrets.token_urlsafe(12)),
        "viewer": ("Viewer", "analyst", secrets.token_urlsafe(12)),
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update({
        "AIRFLOW_HOME": str(root / "home"),
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,  # as docker-compose.yml
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace("postgresql://", "postgresql+psycopg2://", 1),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(plugins),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(logs / "tasks"),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW_ADMIN_USERNAME": users["admin"][1], "AIRFLOW_ADMIN_PASSWORD": users["admin"][2],
        "AIRFLOW_OPERATOR_USERNAME": users["operator"][1], "AIRFLOW_OPERATOR_PASSWORD": users["operator"][2],
        "AIRFLOW_VIEWER_USERNAME": users["viewer"][1], "AIRFLOW_VIEWER_PASSWORD": users["viewer"][2],
    })
    airflow = str(Path(sys.executable).with_name("airflow"))
    api_server = None
    started = time.monotonic()
    try:
        # airflow-init's two steps, then the run; one after the other (each writes FAB's permissions).
        _run([airflow, "db", "migrate"], env, logs / "db-migrate.log")
        _run([sys.executable, "-m", "vnreports.airflow_users"], env, logs / "users.log")
        _run([airflow, "dags", "test", DAG_ID], env, logs / "dags-test.log")
        with (logs / "api-server.log").open("w") as out:
            api_server = subprocess.Popen([airflow, "api-server", "--port", str(port)], env=env, stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True)
        http = Http(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 300
        while not http.healthy():
            assert api_server.poll() is None, "the api-server exited" + _tail(logs / "api-server.log")
            assert time.monotonic() < deadline, "the api-server did not come up" + _tail(logs / "api-server.log")
            time.sleep(0.5)
        print(f"FAB Airflow ready in {time.monotonic() - started:.0f} s")
        yield {"http": http, "users": users, "logs": logs,
               "users_log": (logs / "users.log").read_text(errors="replace")}
    finally:
        if api_server is not None:
            _stop_group(api_server)
        drop_database(metadata)


@pytest.fixture(scope="module")
def tokens(fab_airflow) -> dict[str, str]:
    http = fab_airflow["http"]
    return {who: http.token(username, password) for who, (_, username, password) in fab_airflow["users"].items()}


@pytest.fixture(scope="module")
def run_id(fab_airflow, tokens) -> str:
    status, body = fab_airflow["http"].call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns", tokens["viewer"])
    assert status == 200, body
    assert [r["state"] for r in body["dag_runs"]] == ["success"], body
    return body["dag_runs"][0]["dag_run_id"]


def _task_instance(fab_airflow, token: str, run: str) -> dict:
    status, body = fab_airflow["http"].call(
        "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run, safe='')}/taskInstances/{TASK_ID}", token)
    assert status == 200, body
    return body


def test_users_from_the_environment_have_their_roles(fab_airflow, tokens):
    """What airflow-init's vnreports.airflow_users made, as the admin sees it in FAB's user API."""
    http, users = fab_airflow["http"], fab_airflow["users"]
    status, body = http.call("GET", "/auth/fab/v1/users", tokens["admin"])
    assert status == 200, body
    roles = {u["username"]: sorted(r["name"] for r in u["roles"]) for u in body["users"]}
    assert roles == {username: [role] for role, username, _ in users.values()}
    for role, username, _ in users.values():
        assert f"{role} user {username!r} created" in fab_airflow["users_log"]
    assert http.call("GET", "/auth/fab/v1/users", tokens["operator"])[0] == 403  # users are the admin's


def test_a_viewer_reads_but_cannot_clear_mark_or_trigger(fab_airflow, tokens, run_id):
    http, viewer = fab_airflow["http"], tokens["viewer"]
    assert _task_instance(fab_airflow, viewer, run_id)["state"] == "success"
    run_path = f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}"
    status, body = http.call("POST", f"/api/v2/dags/{DAG_ID}/clearTaskInstances", viewer, {
        "dry_run": False, "dag_run_id": run_id, "task_ids": [TASK_ID], "only_failed": False})
    assert status == 403, (status, body)
    status, body = http.call("PATCH", f"{run_path}/taskInstances/{TASK_ID}", viewer, {"new_state": "failed"})
    assert status == 403, (status, body)
    status, body = http.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", viewer, {"logical_date": None})
    assert status == 403, (status, body)
    # nothing changed
    task = _task_instance(fab_airflow, viewer, run_id)
    assert (task["state"], task["try_number"]) == ("success", 1)
    assert http.call("GET", run_path, viewer)[1]["state"] == "success"
    assert len(http.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns", viewer)[1]["dag_runs"]) == 1


def test_an_operator_clears_marks_and_triggers(fab_airflow, tokens, run_id):
    http, operator = fab_airflow["http"], tokens["operator"]
    run_path = f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}"
    status, body = http.call("POST", f"/api/v2/dags/{DAG_ID}/clearTaskInstances", operator, {
        "dry_run": False, "dag_run_id": run_id, "task_ids": [TASK_ID], "only_failed": False,
        "reset_dag_runs": True})
    assert status == 200, (status, body)
    assert [(t["task_id"], t["dag_run_id"]) for t in body["task_instances"]] == [(TASK_ID, run_id)]
    assert _task_instance(fab_airflow, tokens["viewer"], run_id)["state"] is None  # cleared: to run again
    assert http.call("GET", run_path, operator)[1]["state"] == "queued"

    status, body = http.call("PATCH", f"{run_path}/taskInstances/{TASK_ID}", operator, {"new_state": "success"})
    assert status == 200, (status, body)
    assert _task_instance(fab_airflow, tokens["viewer"], run_id)["state"] == "success"

    status, body = http.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", operator, {"logical_date": None})
    assert status == 200, (status, body)
    runs = http.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns", tokens["viewer"])[1]["dag_runs"]
    assert body["dag_run_id"] in {r["dag_run_id"] for r in runs} and len(runs) == 2


def test_no_valid_token_no_access(fab_airflow, tokens):
    """A wrong password gets no token; a request without one is unauthenticated (401); the admin's
    own claims signed with another key are refused (403, "Invalid JWT token")."""
    import jwt

    http = fab_airflow["http"]
    _, username, password = fab_airflow["users"]["operator"]
    status, _ = http.call("POST", "/auth/token", body={"username": username, "password": password + "x"})
    assert status == 401
    assert http.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns")[0] == 401
    claims = jwt.decode(tokens["admin"], options={"verify_signature": False})
    forged = jwt.encode(claims, secrets.token_urlsafe(64), algorithm="HS512",
                        headers=jwt.get_unverified_header(tokens["admin"]))
    status, body = http.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns", forged)
    assert (status, body) == (403, {"detail": "Invalid JWT token"})
