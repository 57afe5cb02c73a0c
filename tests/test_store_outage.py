"""PostgreSQL going away and coming back, through a TCP proxy the test controls (the shared
server is never touched): the store answers StoreUnavailable (the API 503 with Retry-After)
while it is gone, and works again, with every saved run intact, once it is back."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient

from tradewar.service.app import create_app
from tradewar.store import StoreUnavailable
from tradewar.store.postgres import PostgresStore


class Proxy:
    """Forwards 127.0.0.1:<port> to ``target``; :meth:`stop` drops every connection and stops
    listening, :meth:`start` listens again on the same port."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port, self._conns = target, 0, []
        self._lock = threading.Lock()
        self.start()

    def start(self):
        self._server = socket.create_server(("127.0.0.1", self.port))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def stop(self):
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close alone does not, on Linux)
        except OSError:
            pass
        self._server.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            for how in (c.shutdown, c.close):
                try:
                    how(socket.SHUT_RDWR) if how == c.shutdown else how()
                except OSError:
                    pass

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def proxied(postgres_url):
    parts = urlsplit(postgres_url)
    proxy = Proxy((parts.hostname, parts.port or 5432))
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    url = urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))
    yield proxy, url
    proxy.stop()


def _until(fn, seconds=20.0):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return fn()
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the store did not come back"
            time.sleep(0.2)


def test_store_unavailable_then_back(proxied):
    proxy, url = proxied
    store = PostgresStore(url, timeout=1.0)
    try:
        rid = store.save(scenario_name="kept", scenario_toml="", dataset="tiny", parameters={},
                         outcome={"countries": {"USA": {"welfare": 1.5}}}, diagnostics={}, seconds=0.1)
        proxy.stop()
        with pytest.raises(StoreUnavailable, match="PostgreSQL unavailable"):
            store.get(rid)
        with pytest.raises(StoreUnavailable):
            store.save(scenario_name="lost", scenario_toml="", dataset="tiny", parameters={}, outcome={},
                       diagnostics={}, seconds=0.1)
        proxy.start()
        assert _until(lambda: store.get(rid)).outcome == {"countries": {"USA": {"welfare": 1.5}}}
        assert [r.scenario_name for r in store.list()] == ["kept"]  # the failed save left nothing
    finally:
        store.close()
    with pytest.raises(StoreUnavailable, match="closed"):  # a closed store does not reopen by itself
        store.list()


def test_api_answers_503_while_the_store_is_away(proxied, tmp_path):
    proxy, url = proxied
    store = PostgresStore(url, timeout=1.0)  # a short wait for a connection, for the test
    with TestClient(create_app(store, tmp_path)) as client:
        assert client.get("/runs").json() == []
        proxy.stop()
        r = client.get("/runs")
        assert r.status_code == 503 and r.headers["retry-after"] == "5", r.text
        assert "PostgreSQL unavailable" in r.json()["message"]
        proxy.start()
        _until(store.list)
        assert client.get("/runs").status_code == 200
