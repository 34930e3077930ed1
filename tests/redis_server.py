"""
A private ``redis-server`` for tests that stall, restart or fail over Redis.

Each server binds 127.0.0.1 on a free port with its own data directory, so a
test can do to it what it must never do to the shared Redis.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def available() -> bool:
    return os.access(REDIS_SERVER, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process: start, pause, snapshot-restart, stop."""

    def __init__(self, directory: Path, *config: str) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = config
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def _control(self) -> redis.Redis:
        # One attempt per call: redis-py's default retries a refused or closed
        # connection with a backoff of up to seconds, which a boot poll and a
        # SHUTDOWN (whose answer is the closed connection) only wait out.
        return redis.Redis(
            port=self.port, socket_timeout=5, retry=Retry(NoBackoff(), 0)
        )

    def start(self) -> RedisServer:
        # "save" off unless a test asks: the snapshot is taken on purpose.
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.directory), "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*args, *self.config],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with self._control() as probe:
                    if probe.ping():
                        return self
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def shutdown_save(self) -> None:
        """``SHUTDOWN SAVE``: the stock way to stop, writing dump.rdb."""
        with contextlib.suppress(redis.ConnectionError), self._control() as control:
            control.shutdown(save=True)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=10)


class Proxy:
    """
    A TCP relay in front of Redis, as a virtual address or a Sentinel-aware
    client would be: switch() sends new connections to another server and
    closes the relayed ones (Sentinel's failover ends with CLIENT KILL).
    """

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.relayed: list[socket.socket] = []
        self.replication: list[socket.socket] = []
        self.replication_cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), 1)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.relayed += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(src, dst), daemon=True
                ).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                if b"REPLCONF" in data:  # a replica's link to its primary
                    with self.lock:
                        self.replication.append(src)
                    if self.replication_cut:
                        break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            _close(src)
            _close(dst)

    def cut_replication(self) -> None:
        """Close replicas' links through the relay and refuse them from now on."""
        with self.lock:
            self.replication_cut, links = True, self.replication
        for sock in links:
            _close(sock)

    def switch(self, port: int) -> None:
        with self.lock:
            self.target, relayed, self.relayed = port, self.relayed, []
        for sock in relayed:
            _close(sock)

    def close(self) -> None:
        self.listener.close()
        self.switch(0)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
