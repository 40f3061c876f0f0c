"""The other supported Pythons' check (tests/test_python_versions.py): for each of 3.11, 3.12 and 3.13
other than the one running the suite, a venv installed from the lock with uv, then
tests/python_version_check.py in it.

The venvs live under <VNREPORTS_LOCAL_DIR or .local>/pyversions/, one per Python and lock: the
folder name carries a hash of constraints.txt, pyproject.toml and the interpreter, so a changed
pin makes a new venv (and the old one is deleted) and an unchanged one is reused as it is. uv's
own download cache (~/.cache/uv) is shared by every clone on the machine.

conftest.py starts one `run` per version in the background, at `nice 19`, as soon as the suite is
collected: it uses the cores the other tests leave idle, and the test only collects the results
(it is moved to the end of the suite).

    python tests/python_versions.py run 3.12 OUT_DIR   # writes OUT_DIR/result.json, OUT_DIR/check.log
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ("3.11", "3.12", "3.13")
# what an install depends on: the pins, and the C extension it compiles into the tree (setup.py)
LOCK_FILES = ("constraints.txt", "pyproject.toml", "setup.py", "include/vnreports/parsing/_pdfium_text.c")


def local_dir() -> Path:
    return Path(os.environ.get("VNREPORTS_LOCAL_DIR", PROJECT_ROOT / ".local")).resolve()


def python_version_of(executable: str) -> str | None:
    try:
        done = subprocess.run([executable, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_python(version: str) -> str | None:
    """pythonX.Y on PATH that runs and is X.Y (a pyenv shim of a version not selected does not), else
    the newest $PYENV_ROOT/versions/X.Y.*/bin/pythonX.Y: the way the Makefile looks."""
    on_path = shutil.which(f"python{version}")
    if on_path and (python_version_of(on_path) or "").startswith(version + "."):
        return on_path
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(pyenv.glob(f"{version}.*/bin/python{version}"),
                   key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parts[-3].split(".")])
    for candidate in reversed(found):
        if (python_version_of(str(candidate)) or "").startswith(version + "."):
            return str(candidate)
    return None


def other_versions() -> list[str]:
    running = "%d.%d" % sys.version_info[:2]
    return [v for v in SUPPORTED if v != running]


def venv_key(interpreter: str) -> str:
    digest = hashlib.sha256()
    for name in LOCK_FILES:
        digest.update((PROJECT_ROOT / name).read_bytes())
    digest.update(f"{Path(interpreter).resolve()} {python_version_of(interpreter)}".encode())
    return digest.hexdigest()[:12]


def uv_executable() -> str:
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.exists() else (shutil.which("uv") or "uv")


def ensure_venv(version: str, interpreter: str, log) -> tuple[Path, bool]:
    """The venv of this Python and lock; (path, reused). Made with uv when missing."""
    root = local_dir() / "pyversions"
    venv = root / f"venv-{version}-{venv_key(interpreter)}"
    if (venv / ".ready").exists():
        return venv, True
    for stale in root.glob(f"venv-{version}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    uv = uv_executable()
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    for command in (
        [uv, "venv", "--quiet", "--python", interpreter, str(venv)],
        # the lock as it is: -c pins every package; the check compares what was installed with it
        [uv, "pip", "install", "--python", str(venv / "bin" / "python"),
         "-c", str(PROJECT_ROOT / "constraints.txt"), "-e", f"{PROJECT_ROOT}[dev]"],
    ):
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"{command[1:3]} failed ({done.returncode}); see {log.name}")
    (venv / ".ready").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    return venv, False


def run(version: str, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {"version": version}
    with open(out_dir / "check.log", "w") as log:
        try:
            interpreter = find_python(version)
            if interpreter is None:
                result["missing"] = f"no Python {version} (python{version} on PATH or under pyenv)"
                return result
            result["interpreter"] = interpreter
            start = time.monotonic()
            venv, result["venv_reused"] = ensure_venv(version, interpreter, log)
            result["venv"] = str(venv)
            result["install_seconds"] = round(time.monotonic() - start, 2)
            work = out_dir / "work"
            shutil.rmtree(work, ignore_errors=True)
            env = {k: v for k, v in os.environ.items()
                   if k not in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV", "PYTHONPATH", "WAREHOUSE_URL")
                   and not k.startswith("AIRFLOW")}
            start = time.monotonic()
            done = subprocess.run([str(venv / "bin" / "python"), str(PROJECT_ROOT / "tests" / "python_version_check.py"),
                                   str(work)], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                                  timeout=900)
            result["check_seconds"] = round(time.monotonic() - start, 2)
            log.write(done.stderr)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                result["error"] = f"check failed ({done.returncode}): " + "\n".join(done.stderr.splitlines()[-25:])
            else:
                result["check"] = json.loads(lines[-1])
        except Exception as error:  # noqa: BLE001 - reported by the test
            result["error"] = f"{type(error).__name__}: {error}"
        finally:
            (out_dir / "result.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    return result


def start_background(out_root: Path, versions: list[str]) -> dict[str, tuple[subprocess.Popen, Path]]:
    """One `run` per version, at nice 19, in the background."""
    started = {}
    for version in versions:
        out_dir = out_root / version
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        process = subprocess.Popen(
            [sys.executable, __file__, "run", version, str(out_dir)],
            stdout=subprocess.DEVNULL, stderr=open(out_dir / "runner.err", "w"), cwd=PROJECT_ROOT,
            preexec_fn=lambda: os.nice(19), start_new_session=True,
        )
        started[version] = (process, out_dir)
    return started


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "run":
        raise SystemExit(__doc__)
    print(json.dumps(run(sys.argv[2], Path(sys.argv[3])), indent=1))
