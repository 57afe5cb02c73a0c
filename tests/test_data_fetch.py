"""`tradewar data fetch NAME`: download + checksum where there is network; clear advice where not."""

from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from tradewar.data import fetch as fetch_mod
from tradewar.data.fetch import fetch
from tradewar.errors import DataError


def offline(*args, **kwargs):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_fetch_without_network_says_where_to_download_and_where_to_put_it(tmp_path):
    with pytest.raises(DataError, match=r"no network access.*cepii.fr.*BACI_HS22_V202501.zip.*" + str(tmp_path)):
        fetch("baci", tmp_path, opener=offline, echo=lambda s: None)
    with pytest.raises(DataError, match="licensed"):
        fetch("gtap", tmp_path, echo=lambda s: None)
    with pytest.raises(DataError, match="unknown public source; known: baci, gtap, hs-gtap, hs-isic, icio, itpde, wits-concordance"):
        fetch("comtrade", tmp_path)


def test_fetch_records_then_verifies_the_checksum(tmp_path):
    payload = b"PK fake zip"
    opener = lambda req, timeout: io.BytesIO(payload)  # noqa: E731
    path = fetch("itpde", tmp_path, opener=opener, echo=lambda s: None)
    assert path.read_bytes() == payload
    assert path.with_suffix(".zip.sha256").read_text().split()[0] == hashlib.sha256(payload).hexdigest()
    assert fetch("itpde", tmp_path, opener=offline, echo=lambda s: None) == path  # present and intact: no network
    path.write_bytes(b"changed")
    with pytest.raises(DataError, match="SHA-256 of the download is .* expected"):
        fetch("itpde", tmp_path, opener=lambda req, timeout: io.BytesIO(b"other"), echo=lambda s: None)
    assert path.read_bytes() == b"changed" and not list(tmp_path.glob("*.part"))


def test_cli_fetch_offline_exits_2_with_advice(tmp_path, monkeypatch):
    from tradewar.cli import app

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    res = CliRunner().invoke(app, ["data", "fetch", "baci", "--dest", str(tmp_path), "--timeout", "1"])
    assert res.exit_code != 0 and isinstance(res.exception, DataError)
    assert "by hand" in str(res.exception) and fetch_mod.SOURCES["baci"].page in str(res.exception)
