"""Start ``tradewar serve`` as a child process on a free loopback port and wait until it answers
(used by the crash-safety test and the load benchmark)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tradewar.errors import TradewarError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush, no goodbye."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(store: str, data: str | Path | None, log: Path, *, port: int | None = None,
                 args: tuple[str, ...] = (), ready_timeout: float = 60.0) -> Server:
    """``tradewar serve --store STORE`` on 127.0.0.1; returns once ``GET /runs`` answers 200."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "tradewar.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--store", store, *args]
    if data is not None:
        cmd += ["--data", str(data)]
    out = open(log, "ab")  # noqa: SIM115 - the child writes to it for its whole life
    process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    out.close()
    server = Server(process, f"http://127.0.0.1:{port}", Path(log))
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TradewarError(f"tradewar serve exited with {process.returncode}: {_tail(log)}")
        try:
            with urllib.request.urlopen(f"{server.url}/runs?limit=1", timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    server.kill()
    raise TradewarError(f"tradewar serve did not answer within {ready_timeout:.0f} s: {_tail(log)}")


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(Path(log).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
