"""Serve the project with gunicorn and load it with wrk, on 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


@dataclass
class Server:
    """One gunicorn instance with its own environment (hasher, cache)."""

    name: str
    port: int
    workers: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_ACCESSLOG": "",
            # Recycling a worker mid-run would measure its start-up.
            "GUNICORN_MAX_REQUESTS": "0",
            **self.env,
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_up(f"{self.url}/api/health/", self.process)

    def worker_pids(self) -> list[int]:
        """Return the process ids of the workers (children of the master)."""
        if self.process is None:
            return []
        master = self.process.pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def worker_cpu(self) -> float:
        """Return the CPU seconds (user + system) used so far by the workers."""
        return sum(_cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    """Return once *url* answers; raise if the server died or never answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (local URL)
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout} s")


def http_status(url: str, auth: str = "") -> int:
    """Return the status of GET *url* (for probing optional endpoints)."""
    request = urllib.request.Request(
        url, headers={"Authorization": auth} if auth else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@dataclass
class Load:
    """One wrk run: a URL, a script and its environment."""

    url: str
    script: str = "auth.lua"
    env: dict[str, str] = field(default_factory=dict)
    threads: int = 1
    connections: int = 4
    # CPU time per request is measured in these workers: unlike throughput, it
    # hardly moves when other programs compete for the cores.
    server: Server | None = None
    # If set, the script creates this file when it has sent all it had to:
    # wrk is then interrupted instead of running out its duration.
    done_file: str = ""


def _interrupt_when_done(process: subprocess.Popen, done: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        if done.exists():
            process.send_signal(signal.SIGINT)  # wrk stops and reports
            return
        time.sleep(0.2)


def run_wrk(load: Load, seconds: float) -> dict:
    """Run wrk for *seconds* and return its summary (requests, latencies in us)."""
    command = [
        "wrk",
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / load.script),
        load.url,
    ]
    env = {**os.environ, **load.env}
    if load.done_file:
        env["BENCH_DONE_FILE"] = load.done_file
    cpu_before = load.server.worker_cpu() if load.server else 0.0
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if load.done_file:
        _interrupt_when_done(process, Path(load.done_file), seconds)
    stdout, stderr = process.communicate(timeout=seconds + 60)
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {stderr or stdout}")
    result = json.loads(lines[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if load.server:
        cpu = load.server.worker_cpu() - cpu_before
        result["cpu_us"] = cpu * 1e6 / max(1, result["requests"])
    return result
