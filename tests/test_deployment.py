"""The production deployment (docker-compose.yml, Dockerfile, .dockerignore), checked without Docker.

1. docker-compose.yml is valid against the Compose Specification schema (vendored in
   tests/schemas/, see SOURCE.md), with the validator class the schema itself declares;
   broken copies are rejected, so the validator is known to bite.
2. What the schema cannot know: dependencies point at real services and make sense, named
   volumes are declared, the image's Airflow version is the one pinned in pyproject.toml,
   the Dockerfile installs with the lock, every Airflow service gets the same settings, no
   secret is written in the file, the api-server publishes 8080, the connections point at
   the right database services.
3. The CeleryExecutor: a Redis broker service, an `airflow-worker` service that scales with
   `docker compose up --scale airflow-worker=N` (no container_name, no published port, the
   concurrency from the environment, the inbox and local state mounted like everywhere else);
   broken copies are rejected here too.
4. Access control: every Airflow service runs the FAB auth manager; airflow-init creates the
   users (admin, optional operator and viewer, roles Admin / Op / Viewer) with
   vnreports.airflow_users from variables that only it gets, the passwords never written in the
   file; the header says how to turn on OAuth or LDAP. What the roles allow is checked on a real
   api-server by tests/test_access_control.py.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from packaging.specifiers import SpecifierSet

from vnreports.airflow_users import FAB_AUTH_MANAGER, ROLE_USERS

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
SCHEMA_FILE = ROOT / "tests" / "schemas" / "compose-spec.json"

AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
)
LONG_RUNNING_AIRFLOW_SERVICES = AIRFLOW_SERVICES[:-1]
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "python -m vnreports.warm_airflow celery worker",  # `celery worker`, warmed up
}
DATABASE_SERVICES = ("metadata-db", "warehouse-db")

# Environment every Airflow service must have. A string is the exact value; a compiled
# pattern must match the whole value.
VAR_REF = r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}"
REQUIRED_SECRET = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}")  # ${VAR:?message}
# An optional secret (a user that need not exist): from the environment or empty, never a default.
OPTIONAL_SECRET = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-\}")  # ${VAR:-}
REQUIRED_ENV: dict[str, str | re.Pattern[str]] = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": re.compile(r"postgresql\+psycopg2://.+@metadata-db(:5432)?/.+"),
    "AIRFLOW__CELERY__BROKER_URL": re.compile(r"redis://([^@/]*@)?redis:6379/\d+"),
    "AIRFLOW__CELERY__RESULT_BACKEND": re.compile(r"db\+postgresql://.+@metadata-db(:5432)?/airflow"),
    # from the environment, with a default: ${AIRFLOW_WORKER_CONCURRENCY:-2}
    "AIRFLOW__CELERY__WORKER_CONCURRENCY": re.compile(r"\$\{AIRFLOW_WORKER_CONCURRENCY:-[1-9][0-9]*\}"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": re.compile(r"(?i)false"),
    "AIRFLOW__CORE__DAGS_FOLDER": "/opt/airflow/dags",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://airflow-apiserver:8080/execution/",
    "AIRFLOW__API_AUTH__JWT_SECRET": REQUIRED_SECRET,
    "AIRFLOW__API__SECRET_KEY": REQUIRED_SECRET,
    "AIRFLOW__CORE__FERNET_KEY": REQUIRED_SECRET,
    "AIRFLOW_CONN_WAREHOUSE": re.compile(r"postgresql://.+@warehouse-db:5432/warehouse"),
    "REPORTS_INBOX": "/opt/airflow/inbox",
    "VNREPORTS_LOCAL_DIR": "/opt/airflow/local",
    "GX_ANALYTICS_ENABLED": re.compile(r"(?i)false"),
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": re.compile(r"(?i)false"),
    "DBT_PROJECT_DIR": "/opt/airflow/dbt_project",
    "AIRFLOW__CORE__AUTH_MANAGER": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
}

# Environment keys that hold secrets: their value must be a required ${VAR:?} reference.
SECRET_KEY_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|FERNET|PRIVATE|(^|_)KEY$|API_KEY")
NOT_A_SECRET = re.compile(r"_(FILE|PATH|DIR|CMD)$")


# ----------------------------------------------------------------------------- helpers


def load_compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # resolves the x-airflow-common anchors and `<<` merges


def load_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_validator(schema: dict) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema)  # the draft named by the schema's $schema
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def schema_errors(document: object) -> list[str]:
    validator = schema_validator(load_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", "KEY"]
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: ("" if value is None else str(value)) for key, value in env.items()}


def placeholders(text: str) -> str:
    """`${VAR:-x}` -> `VAR`, so that URLs with interpolations can be parsed."""
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}", r"\1", text)


def depends_on(service: dict) -> dict[str, dict]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return deps


def container_ports(service: dict) -> list[int]:
    """Container-side ports a service publishes, from short ("h:c", "ip:h:c/tcp") or long syntax."""
    result = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            result.append(int(port["target"]))
            continue
        spec = str(port).split("/")[0]
        target = spec.rsplit(":", 1)[-1]
        result.append(int(target))
    return result


def volume_mounts(service: dict) -> list[tuple[str | None, str, str | None]]:
    """(source, target, type) of every mount; type is None for the short syntax."""
    mounts = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts.append((volume.get("source"), volume["target"], volume.get("type")))
            continue
        refs: list[str] = []  # "${DIR:-./x}:/target:ro": interpolations contain colons

        def token(match: re.Match[str]) -> str:
            refs.append(match.group(0))
            return f"\0{len(refs) - 1}\0"

        parts = [
            re.sub(r"\0(\d+)\0", lambda m: refs[int(m.group(1))], part)
            for part in re.sub(VAR_REF, token, str(volume)).split(":")
        ]
        if len(parts) == 1:  # anonymous volume: just a container path
            mounts.append((None, parts[0], None))
        else:
            mounts.append((parts[0], parts[1], None))
    return mounts


def is_named_volume(source: str | None, mount_type: str | None) -> bool:
    if source is None:
        return False
    if mount_type is not None:
        return mount_type == "volume"
    return not source.startswith(("/", ".", "~", "$"))


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        logical.append(current)
        current = ""
    result = []
    for text in logical:
        instruction, _, args = text.partition(" ")
        result.append((instruction.upper(), args.strip()))
    return result


def pinned_version(requirements: list[str], name: str) -> str:
    for requirement in requirements:
        match = re.fullmatch(rf"{re.escape(name)}(\[[^\]]*\])?==([^\s;]+)", requirement.strip(), re.IGNORECASE)
        if match:
            return match.group(2)
    raise AssertionError(f"{name} is not pinned with == in {requirements}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


# ----------------------------------------------------------------------------- schema


def test_schema_declares_a_draft_that_jsonschema_knows():
    schema = load_schema()
    declared = schema["$schema"]
    cls = jsonschema.validators.validator_for(schema, default=None)
    assert cls is not None, f"jsonschema has no validator for {declared}"
    assert cls.META_SCHEMA["$id"].rstrip("#") == declared.rstrip("#")
    cls.check_schema(schema)
    assert schema["title"] == "Compose Specification"


def test_compose_file_is_valid_against_the_compose_spec():
    errors = schema_errors(load_compose())
    assert not errors, "docker-compose.yml violates the Compose Specification:\n" + "\n".join(errors)


def _broken_variants() -> dict[str, dict]:
    good = load_compose()
    variants: dict[str, dict] = {"wrong types": {"services": {"x": {"image": 1, "ports": "oops"}}}}

    typo = copy.deepcopy(good)
    typo["services"]["airflow-scheduler"]["depends_on"]["metadata-db"]["condition"] = "service_healty"
    variants["unknown depends_on condition"] = typo

    unknown_key = copy.deepcopy(good)
    unknown_key["services"]["warehouse-db"]["imagee"] = "postgres:16"
    variants["unknown service key"] = unknown_key

    bad_healthcheck = copy.deepcopy(good)
    bad_healthcheck["services"]["metadata-db"]["healthcheck"]["intervall"] = "10s"
    variants["unknown healthcheck key"] = bad_healthcheck

    bad_top_level = copy.deepcopy(good)
    bad_top_level["servics"] = bad_top_level.pop("services")
    variants["misspelt top-level key"] = bad_top_level
    return variants


@pytest.mark.parametrize("name", sorted(_broken_variants()))
def test_validator_rejects_broken_compose(name):
    errors = schema_errors(_broken_variants()[name])
    assert errors, f"the schema accepted a broken compose file ({name}): the validator does not bite"


# ----------------------------------------------------------------------------- services and wiring


def test_expected_services_exist(services):
    for name in (*AIRFLOW_SERVICES, *DATABASE_SERVICES):
        assert name in services, f"service {name} missing"


def test_depends_on_targets_exist_and_make_sense(services):
    for name, service in services.items():
        for target, spec in depends_on(service).items():
            assert target in services, f"{name} depends on undefined service {target}"
            assert target != name, f"{name} depends on itself"
            condition = spec.get("condition", "service_started")
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target} to be healthy; it has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") == "no", f"{name} waits for {target} to exit; it restarts"


def test_depends_on_has_no_cycle(services):
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        assert state.get(name) != "visiting", "dependency cycle: " + " -> ".join([*path, name])
        state[name] = "visiting"
        for target in depends_on(services[name]):
            if target in services:  # undefined targets are reported by the test above
                visit(target, [*path, name])
        state[name] = "done"

    for name in services:
        visit(name, [])


def test_airflow_services_wait_for_database_and_init(services):
    for name in LONG_RUNNING_AIRFLOW_SERVICES:
        deps = depends_on(services[name])
        assert deps.get("metadata-db", {}).get("condition") == "service_healthy", name
        assert deps.get("airflow-init", {}).get("condition") == "service_completed_successfully", name
    assert depends_on(services["airflow-init"]).get("metadata-db", {}).get("condition") == "service_healthy"
    # The scheduler queues on the broker; the workers take from it.
    for name in ("airflow-scheduler", "airflow-worker"):
        assert depends_on(services[name]).get("redis", {}).get("condition") == "service_healthy", name
    # Tasks run on the Celery workers: they write to the warehouse and report to the Execution API.
    worker = depends_on(services["airflow-worker"])
    assert worker.get("warehouse-db", {}).get("condition") == "service_healthy"
    assert worker.get("airflow-apiserver", {}).get("condition") == "service_healthy"


def test_named_volumes_are_declared_and_used(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in services.items():
        for source, target, mount_type in volume_mounts(service):
            if is_named_volume(source, mount_type):
                assert source in declared, f"{name} mounts undeclared named volume {source!r} at {target}"
                used.add(source)
    assert not declared - used, f"declared but unused volumes: {sorted(declared - used)}"


def test_databases_are_postgres_16_with_data_volume_and_healthcheck(compose, services):
    for name in DATABASE_SERVICES:
        service = services[name]
        assert service["image"] == "postgres:16", name
        data = [s for s, t, ty in volume_mounts(service) if t == "/var/lib/postgresql/data"]
        assert data and is_named_volume(data[0], None), f"{name} keeps its data outside a named volume"
        test = service["healthcheck"]["test"]
        assert "pg_isready" in (" ".join(test) if isinstance(test, list) else test), name


def test_warehouse_port_is_published_for_bi_tools(services):
    assert 5432 in container_ports(services["warehouse-db"])
    assert not services["metadata-db"].get("ports"), "the Airflow metadata database should not be published"


def test_airflow_services_share_the_common_image_and_settings(compose, services):
    common = compose["x-airflow-common"]
    assert common["build"]["dockerfile"] == "Dockerfile"
    assert common["build"].get("context", ".") == "."
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service.get("build") == common["build"], f"{name} does not build the project image"
        assert service.get("image") == common.get("image"), name
        for key, value in env_of(common).items():
            assert env_of(service).get(key) == value, f"{name}: {key} differs from x-airflow-common"
    raw = COMPOSE_FILE.read_text(encoding="utf-8")
    assert re.search(r"^x-airflow-common:\s*&airflow-common\b", raw, re.MULTILINE)
    for name in AIRFLOW_SERVICES:
        block = re.search(rf"^  {re.escape(name)}:\n((?:    .*\n|\n)+)", raw, re.MULTILINE)
        assert block and "<<: *airflow-common" in block.group(1), f"{name} does not merge the common anchor"


def test_airflow_commands(services):
    for name, command in AIRFLOW_COMMANDS.items():
        assert services[name]["command"] == command, name
    init = services["airflow-init"]
    script = "\n".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    migrate = script.find("airflow db migrate")
    users = script.find("python -m vnreports.airflow_users")
    assert migrate >= 0, "airflow-init does not migrate the metadata database"
    assert users > migrate, "airflow-init does not create the users (after the migration made FAB's tables)"
    assert init.get("restart", "no") == "no", "airflow-init is a one-shot"


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_required_environment_on_every_airflow_service(services, name):
    env = env_of(services[name])
    for key, expected in REQUIRED_ENV.items():
        assert key in env, f"{name}: {key} missing"
        if isinstance(expected, re.Pattern):
            assert expected.fullmatch(env[key]), f"{name}: {key}={env[key]!r} does not match {expected.pattern}"
        else:
            assert env[key] == expected, f"{name}: {key}={env[key]!r}, expected {expected!r}"


def test_inbox_logs_and_local_dir_are_mounted(services):
    for name in AIRFLOW_SERVICES:
        env = env_of(services[name])
        targets = {target: source for source, target, _ in volume_mounts(services[name])}
        assert env["REPORTS_INBOX"] in targets, f"{name}: the inbox is not mounted"
        assert env["VNREPORTS_LOCAL_DIR"] in targets, f"{name}: the local dir (GX data docs) is not on a volume"
        assert "/opt/airflow/logs" in targets, f"{name}: no logs volume"


def test_every_airflow_service_mounts_the_same_inbox_and_local_state(services):
    """A parse task may run on any worker: all of them must see the same files and write GX data
    docs to the same volume."""
    for target in ("/opt/airflow/inbox", "/opt/airflow/local", "/opt/airflow/logs"):
        sources = {name: {t: s for s, t, _ in volume_mounts(services[name])}.get(target) for name in AIRFLOW_SERVICES}
        assert len(set(sources.values())) == 1 and None not in sources.values(), f"{target} differs: {sources}"


def scaling_problems(services: dict[str, dict]) -> list[str]:
    """Why `docker compose up --scale airflow-worker=N` would not give N working Celery workers."""
    problems = []
    redis = services.get("redis")
    if redis is None:
        return ["no redis service (the Celery broker)"]
    if not str(redis.get("image", "")).startswith("redis:7"):
        problems.append(f"redis image {redis.get('image')!r} is not Redis 7")
    test = (redis.get("healthcheck") or {}).get("test") or []
    if "redis-cli ping" not in (" ".join(test) if isinstance(test, list) else test):
        problems.append("redis has no `redis-cli ping` healthcheck")
    worker = services.get("airflow-worker")
    if worker is None:
        return [*problems, "no airflow-worker service"]
    if not str(worker.get("command", "")).endswith("celery worker"):
        problems.append(f"airflow-worker runs {worker.get('command')!r}, not `celery worker`")
    if "container_name" in worker:
        problems.append("airflow-worker has a container_name: it cannot be scaled")
    if worker.get("ports"):
        problems.append("airflow-worker publishes host ports: a second replica could not bind them")
    env = env_of(worker)
    if env.get("AIRFLOW__CORE__EXECUTOR") != "CeleryExecutor":
        problems.append("airflow-worker: the executor is not CeleryExecutor")
    if not re.fullmatch(r"\$\{AIRFLOW_WORKER_CONCURRENCY:-[1-9][0-9]*\}", env.get("AIRFLOW__CELERY__WORKER_CONCURRENCY", "")):
        problems.append("airflow-worker: concurrency does not come from AIRFLOW_WORKER_CONCURRENCY")
    if env.get("DUMB_INIT_SETSID") != "0":
        problems.append("airflow-worker: DUMB_INIT_SETSID is not 0 (no warm shutdown of running tasks)")
    broker = urlsplit(env.get("AIRFLOW__CELERY__BROKER_URL", ""))
    if broker.scheme != "redis" or broker.hostname != "redis":
        problems.append(f"the broker URL does not point at the redis service: {broker.geturl()!r}")
    test = (worker.get("healthcheck") or {}).get("test") or []
    test = " ".join(test) if isinstance(test, list) else test
    if "inspect ping" not in test or "celery@$${HOSTNAME}" not in test:
        problems.append("airflow-worker's healthcheck does not ping its own Celery node")
    targets = {target for _, target, _ in volume_mounts(worker)}
    for key in ("REPORTS_INBOX", "VNREPORTS_LOCAL_DIR"):
        if env.get(key) not in targets:
            problems.append(f"airflow-worker does not mount {key} ({env.get(key)})")
    return problems


def test_celery_workers_scale_out(services):
    assert scaling_problems(services) == []


def _broken_scaling_variants() -> dict[str, dict]:
    good = load_compose()["services"]
    variants = {}

    def variant(name, change):
        services = copy.deepcopy(good)
        change(services)
        variants[name] = services

    variant("no redis", lambda s: s.pop("redis"))
    variant("worker with container_name", lambda s: s["airflow-worker"].update(container_name="worker"))
    variant("worker publishes a port", lambda s: s["airflow-worker"].update(ports=["8793:8793"]))
    variant("fixed concurrency", lambda s: s["airflow-worker"]["environment"].update(
        AIRFLOW__CELERY__WORKER_CONCURRENCY="4"))
    variant("worker without the inbox", lambda s: s["airflow-worker"].update(
        volumes=[v for v in s["airflow-worker"]["volumes"] if "/opt/airflow/inbox" not in v]))
    variant("local executor", lambda s: s["airflow-worker"]["environment"].update(
        AIRFLOW__CORE__EXECUTOR="LocalExecutor"))
    variant("worker runs the scheduler", lambda s: s["airflow-worker"].update(command="scheduler"))
    return variants


@pytest.mark.parametrize("name", sorted(_broken_scaling_variants()))
def test_scaling_check_rejects_broken_compose(name):
    assert scaling_problems(_broken_scaling_variants()[name]), f"{name} was accepted"


def test_worker_healthcheck_names_the_installed_celery_app(services):
    """The healthcheck's `celery --app X` must be an importable Celery app of the installed provider."""
    import importlib

    test = " ".join(services["airflow-worker"]["healthcheck"]["test"])
    app_path = re.search(r"--app\s+(\S+)", test).group(1)
    module, _, attribute = app_path.rpartition(".")
    app = getattr(importlib.import_module(module), attribute)
    assert type(app).__name__ == "Celery", app_path


def literal_secret_problems(compose: dict) -> list[str]:
    """Secrets written in the file: an environment value under a secret-looking key that is not a
    ${VAR:?} (required) or ${VAR:-} (optional, empty by default) reference, a URL password that
    is not a required reference, a literal --password."""
    problems = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{where}.{key}"
                if (
                    isinstance(key, str)
                    and isinstance(value, (str, int, float))
                    and SECRET_KEY_NAME.search(key.upper())
                    and not NOT_A_SECRET.search(key.upper())
                    and ".environment." in f"{here}."
                    and not REQUIRED_SECRET.fullmatch(str(value))
                    and not OPTIONAL_SECRET.fullmatch(str(value))
                ):
                    problems.append(f"{here}: secret must be a ${{VAR:?}} or ${{VAR:-}} reference, is {value!r}")
                walk(value, here)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}[{index}]")
        elif isinstance(node, str):
            # Interpolations may hold spaces and colons (${VAR:?message}): swap them for tokens first.
            refs: list[str] = []

            def token(match: re.Match[str]) -> str:
                refs.append(match.group(0))
                return f"REF{len(refs) - 1}X"

            tokenized = re.sub(VAR_REF, token, node)
            for url in re.findall(r"[a-z][a-z0-9+.-]*://\S+", tokenized):
                password = urlsplit(url).password
                if password is None:
                    continue
                ref = re.fullmatch(r"REF(\d+)X", password)
                if not (ref and REQUIRED_SECRET.fullmatch(refs[int(ref.group(1))])):
                    problems.append(f"{where}: URL password must be a required ${{VAR:?}} reference: {node}")
            if re.search(r"--password[ =](?!\$)", node):
                problems.append(f"{where}: literal --password")

    walk(compose, "compose")
    return problems


def test_no_literal_secrets(compose):
    problems = literal_secret_problems(compose)
    assert not problems, "\n".join(problems)


def _literal_secret_variants() -> dict[str, dict]:
    good = load_compose()
    variants = {}

    def variant(name, change):
        compose = copy.deepcopy(good)
        change(compose["services"])
        variants[name] = compose

    variant("literal admin password", lambda s: s["airflow-init"]["environment"].update(
        AIRFLOW_ADMIN_PASSWORD="hunter2"))
    variant("optional password with a default", lambda s: s["airflow-init"]["environment"].update(
        AIRFLOW_VIEWER_PASSWORD="${AIRFLOW_VIEWER_PASSWORD:-viewer}"))
    variant("literal password in a URL", lambda s: s["airflow-scheduler"]["environment"].update(
        AIRFLOW_CONN_WAREHOUSE="postgresql://warehouse:hunter2@warehouse-db:5432/warehouse"))
    variant("literal --password", lambda s: s["airflow-init"].update(
        command=["-c", "airflow users create --role Op --username op --password hunter2"]))
    return variants


@pytest.mark.parametrize("name", sorted(_literal_secret_variants()))
def test_secrets_check_rejects_literal_secrets(name):
    assert literal_secret_problems(_literal_secret_variants()[name]), f"{name} was accepted"


def test_every_required_secret_is_documented_in_the_header():
    raw = COMPOSE_FILE.read_text(encoding="utf-8")
    header = "\n".join(line for line in raw.splitlines() if line.startswith("#"))
    for variable in sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", raw))):
        assert variable in header, f"{variable} is required but not explained at the top of docker-compose.yml"


def test_every_optional_variable_is_documented_in_the_header():
    raw = COMPOSE_FILE.read_text(encoding="utf-8")
    header = "\n".join(line for line in raw.splitlines() if line.startswith("#"))
    for variable in sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-", raw))):
        assert variable in header, f"{variable} is optional but not explained at the top of docker-compose.yml"


# ----------------------------------------------------------------------------- access control


@pytest.mark.filterwarnings("ignore:starlette.middleware.wsgi is deprecated")  # FAB's import, upstream
def test_every_airflow_service_runs_the_fab_auth_manager(compose, services):
    """One auth manager for every component (the api-server checks tokens, airflow-init writes
    users), the FAB provider's, importable with the locked packages; nothing of the simple auth
    manager is left (its users, its password file and that file's volume)."""
    import importlib

    from airflow.api_fastapi.auth.managers.base_auth_manager import BaseAuthManager

    assert FAB_AUTH_MANAGER == REQUIRED_ENV["AIRFLOW__CORE__AUTH_MANAGER"]  # what airflow_users checks
    module, _, name = FAB_AUTH_MANAGER.rpartition(".")
    assert issubclass(getattr(importlib.import_module(module), name), BaseAuthManager)
    for name in AIRFLOW_SERVICES:
        assert env_of(services[name])["AIRFLOW__CORE__AUTH_MANAGER"] == FAB_AUTH_MANAGER, name
        assert not [k for k in env_of(services[name]) if "SIMPLE_AUTH_MANAGER" in k], name
        assert "/opt/airflow/auth" not in {t for _, t, _ in volume_mounts(services[name])}, name
    assert "airflow-auth" not in (compose.get("volumes") or {})


def test_airflow_init_creates_the_users_with_their_roles_from_the_environment(services):
    """airflow-init passes each user's variables, as vnreports.airflow_users reads them: the admin's
    password required, the operator's and viewer's optional (empty unless set); the roles are FAB's
    own. No long-running service gets a user's password."""
    from airflow.providers.fab.auth_manager.security_manager.override import FabAirflowSecurityManagerOverride

    fab_roles = {config["role"] for config in FabAirflowSecurityManagerOverride.ROLE_CONFIGS}
    assert [role for _, role, _ in ROLE_USERS] == ["Admin", "Op", "Viewer"]
    assert {role for _, role, _ in ROLE_USERS} <= fab_roles, fab_roles
    init = env_of(services["airflow-init"])
    for prefix, role, required in ROLE_USERS:
        username, password = init.get(f"{prefix}_USERNAME"), init.get(f"{prefix}_PASSWORD")
        if required:
            assert username == f"${{{prefix}_USERNAME:-admin}}", (role, username)
            assert REQUIRED_SECRET.fullmatch(password or ""), (role, password)
            assert password.startswith(f"${{{prefix}_PASSWORD:?"), (role, password)
        else:
            assert username == f"${{{prefix}_USERNAME:-}}", (role, username)
            assert password == f"${{{prefix}_PASSWORD:-}}", (role, password)
        for name in LONG_RUNNING_AIRFLOW_SERVICES:
            assert f"{prefix}_PASSWORD" not in env_of(services[name]), f"{name} gets the {role} user's password"


def test_header_explains_roles_and_single_sign_on():
    raw = COMPOSE_FILE.read_text(encoding="utf-8")
    header = "\n".join(line for line in raw.splitlines() if line.startswith("#"))
    for prefix, role, _ in ROLE_USERS:
        assert f"role {role}" in header and f"{prefix}_PASSWORD" in header, role
    for needed in ("webserver_config.py", "AUTH_TYPE", "AUTH_OAUTH", "AUTH_LDAP", "AUTH_ROLES_MAPPING",
                   "/opt/airflow/webserver_config.py:ro", "POST /auth/token"):
        assert needed in header, f"the header does not mention {needed}"


def test_apiserver_publishes_8080_and_is_health_checked(services):
    apiserver = services["airflow-apiserver"]
    assert 8080 in container_ports(apiserver)
    test = apiserver["healthcheck"]["test"]
    assert any("/api/v2/monitor/health" in str(part) for part in test)
    for name in AIRFLOW_SERVICES:
        if name != "airflow-apiserver":
            assert not services[name].get("ports"), f"{name} publishes ports"


def test_execution_api_url_points_at_the_apiserver(services):
    url = urlsplit(env_of(services["airflow-scheduler"])["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname in services and services[url.hostname]["command"] == "api-server"
    assert url.port == 8080 and url.path == "/execution/"


def test_warehouse_connection_points_at_the_warehouse_service(services):
    url = urlsplit(placeholders(env_of(services["airflow-scheduler"])["AIRFLOW_CONN_WAREHOUSE"]))
    assert url.scheme in ("postgresql", "postgres")
    assert url.hostname == "warehouse-db"
    warehouse = env_of(services["warehouse-db"])
    assert (url.port or 5432) in container_ports(services["warehouse-db"])
    assert url.path.lstrip("/") == warehouse["POSTGRES_DB"]
    assert url.username == placeholders(warehouse["POSTGRES_USER"])
    assert url.password == placeholders(warehouse["POSTGRES_PASSWORD"])


def test_metadata_connection_points_at_the_metadata_service(services):
    raw = env_of(services["airflow-scheduler"])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    url = urlsplit(placeholders(raw))
    metadata = env_of(services["metadata-db"])
    assert url.hostname == "metadata-db"
    assert url.path.lstrip("/") == metadata["POSTGRES_DB"]
    assert url.username == placeholders(metadata["POSTGRES_USER"])
    assert url.password == placeholders(metadata["POSTGRES_PASSWORD"])


# ----------------------------------------------------------------------------- Dockerfile


def test_image_airflow_version_equals_the_pin():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = pinned_version(pyproject["project"]["dependencies"], "apache-airflow")
    locked = pinned_version((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), "apache-airflow")
    assert locked == pinned, f"constraints.txt locks apache-airflow {locked}, pyproject.toml pins {pinned}"

    froms = [args for instruction, args in dockerfile_instructions() if instruction == "FROM"]
    assert len(froms) == 1, f"expected one FROM, got {froms}"
    match = re.fullmatch(r"apache/airflow:(?P<airflow>[0-9][^-\s]*)-python(?P<python>\d+\.\d+)", froms[0])
    assert match, f"unexpected base image {froms[0]!r}"
    assert match["airflow"] == pinned, f"Dockerfile uses Airflow {match['airflow']}, pyproject.toml pins {pinned}"
    requires = pyproject["project"]["requires-python"]
    assert SpecifierSet(requires).contains(match["python"]), f"image Python {match['python']} vs requires-python {requires}"
    # The newest supported Python, the one `make setup` prefers: the image runs what development runs.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    preferred = re.search(r"^SUPPORTED_PYTHONS\s*:?=\s*(\S+)", makefile, re.MULTILINE).group(1)
    assert match["python"] == preferred, f"image Python {match['python']}, Makefile prefers {preferred}"


def test_dockerfile_copies_the_project_and_installs_with_the_lock():
    instructions = dockerfile_instructions()
    copied: list[str] = []
    install_at = None
    for index, (instruction, args) in enumerate(instructions):
        if instruction == "COPY":
            parts = [p for p in args.split() if not p.startswith("--")]
            copied.extend(p.rstrip("/") for p in parts[:-1])
        if instruction == "RUN" and re.search(r"\bpip install\b", args):
            assert re.search(r"(^|\s)(-c|--constraint)[ =]constraints\.txt(\s|$)", args), f"pip install without the lock: {args}"
            assert re.search(r"(^|\s)--no-cache-dir(\s|$)", args), f"pip install keeps its cache: {args}"
            assert re.search(r"\s\.(\s|$)", args), f"pip install does not install the project: {args}"
            install_at = index
            copied_before_install = list(copied)
    assert install_at is not None, "the Dockerfile never runs pip install"
    for needed in ("pyproject.toml", "setup.py", "constraints.txt", "include"):
        assert needed in copied_before_install, f"{needed} is not copied before pip install"
    for needed in ("dags", "plugins", "dbt_project"):
        assert needed in copied, f"{needed}/ is not copied into the image"


def test_dockerignore_keeps_secrets_and_local_state_out_but_not_the_sources():
    patterns = [
        line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        result = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            body = pattern.lstrip("!").rstrip("/").lstrip("/")
            if fnmatch.fnmatch(path, body) or fnmatch.fnmatch(path, body + "/*") or fnmatch.fnmatch(path.split("/")[0], body):
                result = not negate
        return result

    for path in (".env", ".venv", ".git", ".local", "inbox"):
        assert ignored(path), f".dockerignore does not exclude {path}"
    for path in ("pyproject.toml", "setup.py", "constraints.txt", "include", "dags", "plugins", "dbt_project"):
        assert not ignored(path), f".dockerignore excludes {path}, which the Dockerfile copies"


# ----------------------------------------------------------------------------- optional real check


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose CLI not installed (the schema checks above still ran)",
)
def test_docker_compose_config_accepts_the_file(tmp_path):
    env_file = tmp_path / "test.env"
    env_file.write_text(
        "\n".join(
            f"{name}=dummy-{name.lower()}"
            for name in sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", COMPOSE_FILE.read_text())))
        )
        + "\n"
    )
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
