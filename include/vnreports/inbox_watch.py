"""Event-driven loads: report files dropped in the inbox start a run of vn_reports_ingest within a
minute, beside the monthly schedule, once the operator turns the watch on.

The DAG is scheduled on "monthly, or the asset `vnreports_inbox`" (AssetOrTimeSchedule). The
asset has an AssetWatcher whose trigger, InboxFilesTrigger, runs in Airflow's triggerer: every
`poll_seconds` it looks at the inbox and, when the Airflow Variable `vnreports_inbox_watch` is on
and the inbox holds a PDF the warehouse has not registered, fires an event; the scheduler turns
the event into an asset-triggered run.

The look is cheap (InboxWatch): one stat per PDF and one indexed query of raw.report_file by
file name; a file is registered when a row has its name and size and was registered after the
file last changed (mtime or ctime, whichever is later; ctime cannot be set back by cp -p or
rsync -t). Only a file changed since its registration is read and hashed, once per change.
A file is announced once: it does not fire again at every look while its run is queued or has
not reached discover yet (again after `reannounce_seconds`, should that run have failed first).

No report loads twice when the monthly run and an event fire together: the DAG has
max_active_runs=1 (the scheduler holds an asset-triggered run back while a run is queued or
running, and merges the events that arrive meanwhile into one run), and discover registers each
content once, under a lock, so the second run finds the file registered and parses nothing
(vnreports.ingest.discover; two runs at once are covered by the parse claim as well).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from vnreports.config import airflow_warehouse_url

ASSET_NAME = "vnreports_inbox"
WATCHER_NAME = "vnreports_inbox_new_files"
# The operator's switch: an Airflow Variable (UI: Admin > Variables; CLI: airflow variables set
# vnreports_inbox_watch on). Off, or missing, the trigger only reads it at every look.
ENABLE_VARIABLE = "vnreports_inbox_watch"
ON_VALUES = ("on", "true", "yes", "1")
DEFAULT_POLL_SECONDS = 10.0
DEFAULT_REANNOUNCE_SECONDS = 3600.0


@dataclass(frozen=True)
class InboxEntry:
    """A PDF in the inbox as one stat shows it. `name` is what discover records (the path under
    the inbox; bytes that are not UTF-8 in a readable form); `changed_ns` the later of its mtime
    and ctime."""

    name: str
    path: Path
    size: int
    changed_ns: int

    @property
    def fingerprint(self) -> tuple[str, int, int]:
        return (self.name, self.size, self.changed_ns)


def list_inbox(inbox: Path, settle_seconds: float, now: float | None = None) -> list[InboxEntry]:
    """The files discover would consider (every file under the inbox but the operators' metadata
    file: PDFs, and others it records as unsupported), one stat each, no read. A file changed
    within the last settle_seconds is being written: left for a later look."""
    from vnreports.ingest import _undecodable
    from vnreports.overrides import OVERRIDES_FILE

    if not inbox.is_dir():
        return []
    now = time.time() if now is None else now
    entries = []
    for path in sorted(inbox.rglob("*")):
        if path == inbox / OVERRIDES_FILE:
            continue
        try:
            st = path.stat()
        except OSError:  # gone since listing
            continue
        if not path.is_file():
            continue
        changed_ns = max(st.st_mtime_ns, st.st_ctime_ns)
        if now - changed_ns / 1e9 < settle_seconds:
            continue
        name = path.relative_to(inbox).as_posix()
        entries.append(InboxEntry(_undecodable(name) or name, path, st.st_size, changed_ns))
    return entries


def _registry(engine, names: list[str]) -> dict[str, list]:
    """raw.report_file rows of these file names: {name: [(size_bytes, discovered_at, report_id)]}.
    Empty before the first run (no table yet)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        if conn.execute(text("SELECT to_regclass('raw.report_file')")).scalar() is None:
            return {}
        rows = conn.execute(text(
            "SELECT file_name, size_bytes, discovered_at, trim(report_id) AS report_id "
            "FROM raw.report_file WHERE file_name = ANY(:names)"), {"names": names}).all()
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.file_name, []).append((row.size_bytes, row.discovered_at, row.report_id))
    return found


class InboxWatch:
    """What a look at the inbox finds that the warehouse has not registered. Keeps, between looks,
    the hashes of files it had to read and the files it already announced."""

    def __init__(self, inbox: Path, settle_seconds: float | None = None,
                 reannounce_seconds: float = DEFAULT_REANNOUNCE_SECONDS) -> None:
        from vnreports.ingest import DEFAULT_SETTLE_SECONDS

        self.inbox = Path(inbox)
        if settle_seconds is None:
            settle_seconds = float(os.environ.get("REPORTS_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))
        self.settle_seconds = settle_seconds
        self.reannounce_seconds = reannounce_seconds
        self.hashed: dict[tuple, str] = {}  # fingerprint -> SHA-256, files read because they changed
        self.announced: dict[tuple, float] = {}  # fingerprint -> time.monotonic() when announced
        self.files_read = 0  # how many files were hashed (the cost a look avoids)

    def unregistered(self, engine) -> list[InboxEntry]:
        """Settled inbox PDFs whose name and content raw.report_file does not hold (what the next
        discover would register; the same content under a new name is counted: discover records it
        as a duplicate)."""
        from vnreports.ingest import sha256_of

        entries = list_inbox(self.inbox, self.settle_seconds)
        if not entries:
            self.hashed.clear()
            return []
        known = _registry(engine, sorted({e.name for e in entries}))
        found = []
        for entry in entries:
            rows = known.get(entry.name, [])
            changed = datetime.fromtimestamp(entry.changed_ns / 1e9, tz=timezone.utc)
            if any(size == entry.size and discovered_at >= changed for size, discovered_at, _ in rows):
                continue  # registered, and unchanged since
            if rows:  # replaced in place or only touched since registered: its content decides
                sha = self.hashed.get(entry.fingerprint)
                if sha is None:
                    try:
                        sha = sha256_of(entry.path)
                    except OSError:  # gone or unreadable: discover would skip it too
                        continue
                    self.files_read += 1
                    self.hashed[entry.fingerprint] = sha
                if sha in {report_id for _, _, report_id in rows}:
                    continue
            found.append(entry)
        current = {e.fingerprint for e in entries}
        self.hashed = {k: v for k, v in self.hashed.items() if k in current}
        return found

    def new_files(self, engine) -> list[InboxEntry]:
        """Unregistered files not announced yet (or announced more than reannounce_seconds ago),
        marked announced: an event per new file, not one per look until its run registers it."""
        now = time.monotonic()
        unregistered = self.unregistered(engine)
        waiting = {e.fingerprint for e in unregistered}
        self.announced = {k: t for k, t in self.announced.items() if k in waiting}
        new = [e for e in unregistered
               if now - self.announced.get(e.fingerprint, float("-inf")) >= self.reannounce_seconds]
        for entry in new:
            self.announced[entry.fingerprint] = now
        return new


def watch_enabled() -> bool:
    """The Variable vnreports_inbox_watch is on (read through Airflow: in the triggerer, the
    AIRFLOW_VAR_VNREPORTS_INBOX_WATCH environment variable first, then the metadata database)."""
    from airflow.sdk import Variable

    value = Variable.get(ENABLE_VARIABLE, default="off")
    return str(value).strip().lower() in ON_VALUES




class InboxFilesTrigger(BaseEventTrigger):
    """The watcher of the asset vnreports_inbox: fires when the watch is on and the inbox holds
    files the warehouse has not registered; the event's payload names them.

    Runs for as long as the triggerer runs it (an asset watcher's trigger must not return: a
    new one would forget what was announced). Each look runs in a thread: the stats, the query and
    any hash never block the triggerer's event loop. A look that fails (warehouse down) is
    logged and the next one tries again."""

    def __init__(self, poll_seconds: float = DEFAULT_POLL_SECONDS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.poll_seconds = float(poll_seconds)
        self._watch: InboxWatch | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("vnreports.inbox_watch.InboxFilesTrigger", {"poll_seconds": self.poll_seconds})

    def look(self) -> list[InboxEntry] | None:
        """One look (blocking): the new files, or None while the watch is off."""
        if not watch_enabled():
            return None
        from vnreports import config
        from vnreports.db import get_engine

        inbox = config.inbox_dir()
        if self._watch is None or self._watch.inbox != inbox:
            self._watch = InboxWatch(inbox)
        return self._watch.new_files(get_engine(airflow_warehouse_url()))

    async def run(self) -> AsyncIterator[TriggerEvent]:
        on: bool | None = None
        while True:
            try:
                files = await asyncio.to_thread(self.look)
            except Exception:  # noqa: BLE001 - a failed look must not end the watcher
                self.log.warning("looking at the reports inbox failed; trying again in %.0f s",
                                 self.poll_seconds, exc_info=True)
                files = []
            else:
                if (files is not None) != on:
                    on = files is not None
                    self.log.info("reports inbox watch is %s (Variable %s)", "on" if on else "off", ENABLE_VARIABLE)
            if files:
                names = [f.name for f in files]
                self.log.info("%d new file(s) in the reports inbox: %s", len(names), ", ".join(names[:20]))
                yield TriggerEvent({"inbox": str(self._watch.inbox), "files": names})
            await asyncio.sleep(self.poll_seconds)
