"""Failure alerts: an Airflow notifier that mails (SMTP) or posts JSON (webhook) when a DAG run fails.

Off by default. VNREPORTS_ALERT_CONN_ID names an Airflow connection (the UI's Admin > Connections,
`airflow connections add`, or an AIRFLOW_CONN_<ID> variable); the DAGs then get FailureNotifier
as their on_failure_callback. Its type decides the channel, looked up when a run fails, never while
a DAG file is parsed:

- `smtp` (Airflow's SMTP connection, apache-airflow-providers-smtp): a mail through the provider's
  SmtpNotifier. Host, port, login, password and the extra fields `from_email`, `disable_ssl`,
  `disable_tls`, `timeout` are the provider's; recipients are the extra field `to`, else
  VNREPORTS_ALERT_TO (comma-separated).
- `http` or `https`: a POST of JSON to the connection's URL (`http://host:port/path`, as in
  AIRFLOW_CONN_ALERTS=https://hooks.example.org/services/T0/B0/x, or the extra field `url`), with
  basic auth when it has a login and the headers of the extra field `headers`. The JSON has `text`
  (the message, as Slack, Mattermost and Teams incoming webhooks read it) and the fields apart.

The DAG-level callback runs once per failed run, in the dag-processor (`dag.test()` runs it
in-process). The message names the DAG, the run, the reason, every failed task of the run and its
log URL in the Airflow UI (the api-server's base_url).
"""

from __future__ import annotations

import base64
import html
import json
import os
import urllib.request
from dataclasses import asdict, dataclass, field
from urllib.parse import quote

from airflow.sdk import BaseNotifier

ALERT_CONN_ID_ENV = "VNREPORTS_ALERT_CONN_ID"
ALERT_TO_ENV = "VNREPORTS_ALERT_TO"
SMTP_TYPES = ("smtp", "email")
WEBHOOK_TYPES = ("http", "https")


@dataclass
class FailedTask:
    task_id: str
    map_index: int = -1
    log_url: str | None = None

    @property
    def label(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


@dataclass
class FailureAlert:
    dag_id: str
    run_id: str
    reason: str | None
    failed_tasks: list[FailedTask] = field(default_factory=list)
    log_url: str | None = None  # of the task that failed the run, when Airflow says which
    error: str | None = None  # a task-level callback's exception

    @property
    def subject(self) -> str:
        tasks = ", ".join(t.label for t in self.failed_tasks[:5]) or "no task named"
        more = f" and {len(self.failed_tasks) - 5} more" if len(self.failed_tasks) > 5 else ""
        return f"[Airflow] {self.dag_id} failed: run {self.run_id} ({tasks}{more})"

    @property
    def text(self) -> str:
        lines = [f"Airflow DAG {self.dag_id}, run {self.run_id}, failed.", f"Reason: {self.reason or 'unknown'}"]
        if self.error:
            lines.append(f"Error: {self.error}")
        lines.append("Failed task(s):" if self.failed_tasks else "Failed task(s): none reported")
        lines += [f"- {t.label}: {t.log_url or 'log URL unknown'}" for t in self.failed_tasks]
        return "\n".join(lines)

    @property
    def html(self) -> str:
        items = "".join(
            f'<li>{html.escape(t.label)}: <a href="{html.escape(t.log_url)}">log</a></li>' if t.log_url
            else f"<li>{html.escape(t.label)}</li>" for t in self.failed_tasks)
        error = f"<p>Error: {html.escape(self.error)}</p>" if self.error else ""
        return (f"<p>Airflow DAG <b>{html.escape(self.dag_id)}</b>, run <b>{html.escape(self.run_id)}</b>, failed.</p>"
                f"<p>Reason: {html.escape(self.reason or 'unknown')}</p>{error}"
                f"<p>Failed task(s):</p><ul>{items}</ul>")

    def as_json(self) -> dict:
        return {"text": self.text, **asdict(self)}


def alert_conn_id() -> str | None:
    return (os.environ.get(ALERT_CONN_ID_ENV) or "").strip() or None


def failure_callback():
    """The DAGs' on_failure_callback: a FailureNotifier when VNREPORTS_ALERT_CONN_ID is set, else
    None (no callback at all: Airflow schedules nothing when a run fails)."""
    conn_id = alert_conn_id()
    return FailureNotifier(conn_id) if conn_id else None


def _base_url() -> str:
    from airflow.sdk.configuration import conf

    return conf.get("api", "base_url", fallback="http://localhost:8080/").rstrip("/")


def task_log_url(dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> str:
    """The task's page in the Airflow UI (logs tab), as RuntimeTaskInstance.log_url builds it."""
    mapped = f"/mapped/{map_index}" if map_index >= 0 else ""
    return f"{_base_url()}/dags/{dag_id}/runs/{quote(run_id)}/tasks/{task_id}{mapped}"


def _failed_in_run(dag, dag_id: str, run_id: str) -> list[FailedTask] | None:
    """Every failed task instance of the run, through the Task SDK (the dag-processor and the
    workers answer it); None where it cannot ask (dag.test() runs callbacks without a supervisor)."""
    try:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, run_ids=[run_id]).get(run_id, {})
    except Exception:  # noqa: BLE001 - no supervisor to ask: the context's task instance is used
        return None
    failed = []
    for key, state in sorted(states.items()):
        if state != "failed":
            continue
        task_id, map_index = key, -1
        prefix, _, index = key.rpartition("_")  # a mapped instance is "<task_id>_<map_index>"
        if index.isdigit() and dag is not None and prefix in dag.task_dict and key not in dag.task_dict:
            task_id, map_index = prefix, int(index)
        failed.append(FailedTask(task_id, map_index, task_log_url(dag_id, run_id, task_id, map_index)))
    return failed


def describe_failure(context) -> FailureAlert:
    """What failed, from the context Airflow gives a failure callback (DAG or task level)."""
    dag, ti = context.get("dag"), context.get("ti")
    dag_id = getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None) or "unknown DAG"
    run_id = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None) or getattr(ti, "run_id", None) or "unknown run"
    ti_log_url = None
    if ti is not None:
        try:
            ti_log_url = ti.log_url
        except Exception:  # noqa: BLE001 - the alert goes out without it
            ti_log_url = None
    ti_task = FailedTask(ti.task_id, ti.map_index if getattr(ti, "map_index", None) is not None else -1,
                         ti_log_url) if getattr(ti, "task_id", None) else None
    failed = _failed_in_run(dag, dag_id, run_id) or ([ti_task] if ti_task else [])
    for task in failed:  # the context's task instance knows its try number: its URL has it
        if ti_task and ti_log_url and (task.task_id, task.map_index) == (ti_task.task_id, ti_task.map_index):
            task.log_url = ti_log_url
    error = context.get("exception")
    return FailureAlert(dag_id=dag_id, run_id=run_id, reason=context.get("reason"), failed_tasks=failed,
                        log_url=ti_log_url, error=f"{type(error).__name__}: {error}" if error else None)


def webhook_url(conn) -> str:
    """The URL to post to: the extra field `url`, else the connection as a URL (scheme from its
    type, or its `schema` when that is http/https as in the http provider's connections)."""
    extra = conn.extra_dejson
    if extra.get("url"):
        return extra["url"]
    host = conn.host or ""
    if "://" in host:
        base, path = host.rstrip("/"), ""
    else:
        scheme = conn.conn_type if conn.conn_type in WEBHOOK_TYPES else "http"
        path = conn.schema or ""
        if path in WEBHOOK_TYPES:  # the http provider's form: schema is the protocol
            scheme, path = path, ""
        base = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
    path = path or extra.get("endpoint", "")
    return base + ("/" + path.lstrip("/") if path else "")


def post_webhook(conn, alert: FailureAlert, timeout: float = 30) -> int:
    headers = {"Content-Type": "application/json", **(conn.extra_dejson.get("headers") or {})}
    if conn.login:
        token = base64.b64encode(f"{conn.login}:{conn.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(webhook_url(conn), method="POST", headers=headers,
                                     data=json.dumps(alert.as_json()).encode())
    with urllib.request.urlopen(request, timeout=timeout) as response:  # raises on 4xx/5xx
        return response.status


def send_mail(conn_id: str, conn, alert: FailureAlert, context) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    extra = conn.extra_dejson
    to = extra.get("to") or os.environ.get(ALERT_TO_ENV)
    if not to or not extra.get("from_email"):
        raise ValueError(f"alert connection {conn_id!r} (smtp) needs a sender, its extra field `from_email` "
                         f"(\"From email\" in the UI), and recipients, its extra field `to` or {ALERT_TO_ENV}")
    # Sender, subject and body given, so the provider renders no template of its own (with
    # `dag.test()` it would fail on the context's SerializedDAG, as in FailureNotifier below).
    SmtpNotifier(to=to, from_email=extra["from_email"], subject=alert.subject, html_content=alert.html,
                 smtp_conn_id=conn_id).notify(context)


class FailureNotifier(BaseNotifier):
    """Sends a FailureAlert through the Airflow connection `conn_id` (smtp, http or https)."""

    template_fields = ()  # nothing rendered with Jinja: task names and errors are sent as they are

    def __init__(self, conn_id: str):
        super().__init__()
        self.conn_id = conn_id

    def render_template_fields(self, context, jinja_env=None) -> None:
        """Nothing to render. BaseNotifier would still ask the context's DAG for a Jinja
        environment, which the SerializedDAG `dag.test()` puts there has not (apache/airflow#64649)."""

    def notify(self, context) -> None:
        from airflow.sdk import BaseHook

        alert = describe_failure(context)
        conn = BaseHook.get_connection(self.conn_id)
        if conn.conn_type in SMTP_TYPES:
            send_mail(self.conn_id, conn, alert, context)
        elif conn.conn_type in WEBHOOK_TYPES:
            post_webhook(conn, alert)
        else:
            raise ValueError(f"alert connection {self.conn_id!r} has type {conn.conn_type!r}; "
                             f"expected one of {', '.join(SMTP_TYPES + WEBHOOK_TYPES)}")
        self.log.info("failure alert for %s, run %s sent through %s (%s)", alert.dag_id, alert.run_id,
                      self.conn_id, conn.conn_type)
