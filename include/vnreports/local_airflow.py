"""A real Airflow on this machine for one DAG run: api-server, dag-processor and a scheduler with
LocalExecutor running one task more than there are cores at once, plus a progress display.

`vnreports run` (and so `make run`) uses it: the mapped parse tasks of a month run side by side,
each in a process forked from a scheduler that already imported the pipeline's libraries
(vnreports.warm_airflow). The scheduler creates no runs from the DAG's schedule here
(USE_JOB_SCHEDULE off): the only run is the one this module triggers, so unpausing the DAG
never adds a scheduled run beside it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

FINISHED = ("success", "failed", "skipped", "upstream_failed", "removed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tasks_at_once() -> int:
    """VNREPORTS_PARALLELISM when set, else one more than the cores this process may use (not
    AIRFLOW__CORE__PARALLELISM, which `make airflow`'s environment sets for its own scheduler).

    One more than the cores because a slot idles between two tasks: the task's supervisor notices
    its process has ended up to a second late (`[workers] min_heartbeat_interval`, an integer),
    then the scheduler queues the next task and its process starts. The spare task keeps the
    cores busy meanwhile: at 200 reports (2 cores) the parse phase went from 202 s to 170 s,
    the whole run from 353 s to 320 s."""
    raw = os.environ.get("VNREPORTS_PARALLELISM", "").strip()
    if raw:
        try:
            if int(raw) >= 1:
                return int(raw)
        except ValueError:
            pass
        raise SystemExit(f"VNREPORTS_PARALLELISM must be a positive integer, not {raw!r}")
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores) + 1


class AirflowApi:
    """Airflow's REST API (v2) with a token from /auth/token (simple auth manager, all admins)."""

    def __init__(self, base: str) -> None:
        self.base, self.token = base, None

    def call(self, method: str, path: str, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def login(self) -> None:
        self.token = self.call("GET", "/auth/token")["access_token"]


@dataclass
class LocalAirflow:
    """api-server, dag-processor and a warm scheduler (LocalExecutor), each in its own process
    group with its log under log_dir; stop() ends them and the task processes they forked."""

    env: dict[str, str]
    log_dir: Path
    parallelism: int = field(default_factory=tasks_at_once)
    console: bool = False  # components' output to this console instead of their log files
    processes: list[subprocess.Popen] = field(default_factory=list)
    api: AirflowApi | None = None

    def start(self, dag_id: str, timeout: float = 300) -> None:
        port = free_port()
        self.env = self.component_env(port)
        self._start_components(port, dag_id, timeout)

    def component_env(self, port: int) -> dict[str, str]:
        """The environment of the api-server, dag-processor and scheduler."""
        return {
            **self.env,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            # Task processes (LocalExecutor) report to the api-server's Execution API.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": self.env.get("AIRFLOW__API_AUTH__JWT_SECRET") or secrets.token_urlsafe(32),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            # A task's supervisor waits up to this long between looks at its process: when the
            # process closes its sockets a moment before it exits, the executor slot idles that
            # long before the next task (up to 5 s, the default, after about a third of the
            # parse tasks at N=25). 1 s costs one heartbeat call per running task per second.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            # One parse of the DAG file is enough for one run; re-parsing every 30 s takes a core
            # away from the tasks for seconds each time.
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        }

    def _start_components(self, port: int, dag_id: str, timeout: float) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        airflow = str(Path(sys.executable).with_name("airflow"))
        commands = {
            "api-server": [airflow, "api-server", "--port", str(port)],
            "dag-processor": [airflow, "dag-processor"],
            "scheduler": [sys.executable, "-m", "vnreports.warm_airflow", "scheduler"],
        }
        for name, command in commands.items():
            out = None if self.console else (self.log_dir / f"airflow-{name}.log").open("w", encoding="utf-8")
            self.processes.append(subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                                   stdin=subprocess.DEVNULL, start_new_session=True))
            if out is not None:
                out.close()  # the child has its own descriptor
        self.api = AirflowApi(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + timeout
        while True:  # api-server up and the DAG parsed by the dag-processor
            self._check_alive()
            try:
                self.api.login()
                self.api.call("GET", f"/api/v2/dags/{dag_id}")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Airflow did not come up within {timeout:.0f} s; logs in {self.log_dir}")
                time.sleep(0.5)

    def _check_alive(self) -> None:
        for p in self.processes:
            if p.poll() is not None:
                raise RuntimeError(f"Airflow component {' '.join(map(str, p.args[1:3]))} exited with code "
                                   f"{p.returncode}; see its log in {self.log_dir}")

    def fail_unfinished_runs(self, dag_id: str) -> list[str]:
        """Runs left queued or running by an Airflow that was stopped mid-run (Ctrl-C): marked
        failed, so that the new run does not wait behind them (max_active_runs=1). Their tasks
        are retried by the new run, which parses what was not staged. Returns their ids."""
        assert self.api is not None
        stale = []
        for state in ("running", "queued"):
            runs = self.api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?state={state}&limit=100")["dag_runs"]
            for run in runs:
                self.api.call("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run['dag_run_id'], safe='')}",
                              {"state": "failed"})
                stale.append(run["dag_run_id"])
        return stale

    def trigger(self, dag_id: str) -> str:
        """Unpause the DAG and start one manual run; returns its run id."""
        assert self.api is not None
        self.api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        run = self.api.call("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
        return run["dag_run_id"]

    def wait(self, dag_id: str, run_id: str, on_poll: Callable[[], None] | None = None,
             poll_seconds: float = 1.0) -> str:
        """Wait for the run to end (success or failed), calling on_poll between checks."""
        assert self.api is not None
        while True:
            self._check_alive()
            state = self.api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")["state"]
            if on_poll is not None:
                on_poll()
            if state in ("success", "failed"):
                return state
            time.sleep(poll_seconds)

    def stop(self) -> None:
        for process in reversed(self.processes):
            _stop_group(process)
        self.processes.clear()


def _stop_group(process: subprocess.Popen) -> None:
    """Stop a component started in its own session, with every process it started: its process
    group gets SIGTERM (the scheduler then stops its executor), and whatever is left of the
    session after 20 s gets SIGKILL. The session, not the group: a task's supervisor puts the
    task process in a process group of its own, which outlives the executor's workers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for pid in _session_members(process.pid):  # task processes in groups of their own
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def _session_members(session_id: int) -> list[int]:
    """Processes of a session, from /proc (empty where there is no /proc)."""
    members = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return members
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 3 and fields[3] == str(session_id):  # state, ppid, pgrp, session
            members.append(int(entry))
    return members


# --- progress -----------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def bar(done: int, total: int, width: int = 24) -> str:
    filled = int(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


@dataclass
class FilesProgress:
    """The parse and validate stages of a run as one line: a bar per stage (files done of
    all), pages/s of parsing and the time left, rewritten in place on a terminal, a line per
    tenth of the files otherwise (a log file, CI)."""

    tty: bool
    started: float | None = None
    last_printed_step: int = -1
    finished: bool = False

    def line(self, parsed: int, validated: int, total: int, pages: int | None, now: float) -> str:
        elapsed = now - (self.started or now)
        rate = f", {pages / elapsed:.1f} pages/s" if pages and elapsed > 0 else ""
        left = ""
        if 0 < validated < total and elapsed > 0:
            left = f", about {_clock(elapsed / validated * (total - validated))} left"
        return (f"  parse ▕{bar(parsed, total, 16)}▏ {parsed}/{total}  validate ▕{bar(validated, total, 16)}▏ "
                f"{validated}/{total} files{rate}, {_clock(elapsed)}{left}")

    def update(self, parsed: int, validated: int, total: int, pages: int | None, now: float,
               out=None) -> None:
        out = out or sys.stdout
        if self.finished or total == 0:
            return
        if self.started is None:
            self.started = now
        text = self.line(parsed, validated, total, pages, now)
        if validated >= total:
            self.finished = True
            print(("\r" + text + "\x1b[K") if self.tty else text, file=out, flush=True)
        elif self.tty:
            print("\r" + text + "\x1b[K", end="", file=out, flush=True)
        else:
            step = validated * 10 // total
            if step > self.last_printed_step:
                self.last_printed_step = step
                print(text, file=out, flush=True)
