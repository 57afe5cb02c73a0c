"""Download public sources where the machine has network access; say what to do where it has none.

Checksums: a source with a published SHA-256 is verified against it; for the others the
SHA-256 of the download is written beside it (``<file>.sha256``) and checked on the next fetch,
so a changed file on the server is noticed.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tradewar.errors import DataError


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    url: str
    page: str
    filename: str
    sha256: str | None = None
    note: str = ""


SOURCES = {s.name: s for s in (
    Source("baci", "CEPII BACI HS22, V202501 (all years; zip, ≈ 2.5 GB)",
           "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_HS22_V202501.zip",
           "https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37", "BACI_HS22_V202501.zip",
           note="unzip it; the archive holds BACI_HS22_Y<year>_V202501.csv and country_codes_V202501.csv"),
    Source("itpde", "USITC International Trade and Production Database for Estimation (ITPD-E R02)",
           "https://www.usitc.gov/data/gravity/itpde_r02.zip", "https://www.usitc.gov/data/gravity/itpde.htm",
           "itpde_r02.zip"),
    Source("icio", "OECD Inter-Country Input-Output tables (ICIO 2023 release)",
           "https://stats.oecd.org/wbos/fileview2.aspx?IDFile=59a3d7f2-3f23-40d5-95ca-48da84c0f861",
           "https://www.oecd.org/en/data/datasets/inter-country-input-output-tables.html", "ICIO2023.zip",
           note="the OECD page lists one zip per period; pick the years you need"),
    Source("gtap", "GTAP data base (licensed)", "", "https://www.gtap.agecon.purdue.edu/databases/",
           "", note="GTAP is licensed: buy it from the GTAP Center and put its .har files in the folder"),
    # full public concordance tables (tradewar ships compact derived ones: data/concordances/SOURCE.md)
    Source("hs-isic", "UN Statistics Division correspondence tables: HS – CPC – ISIC Rev.4", "",
           "https://unstats.un.org/unsd/classifications/Econ", "",
           note="download the HS → CPC and CPC → ISIC Rev.4 correspondence tables for your HS revision and "
                "give an hs6,sector table as [sectors] concordance"),
    Source("hs-gtap", "GTAP Center: concordance between GTAP sectors and HS 2017 subheadings (resource #6470)", "",
           "https://www.gtap.agecon.purdue.edu/resources/res_display.asp?RecordID=6470", "",
           note="download the attachment (free GTAP account) and give its hs6,sector columns as [sectors] concordance"),
    Source("wits-concordance", "World Bank WITS product concordances (HS revisions, HS → ISIC, HS → SITC)", "",
           "https://wits.worldbank.org/product_concordance.html", "",
           note="download the concordance for your HS revision and give it as [sectors] concordance "
                "(hs_column / sector_column name its columns)"),
)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(name: str, dest: str | Path | None = None, data: str | Path | None = None, *, timeout: float = 10.0,
          echo: Callable[[str], None] = print, opener=None) -> Path:
    """Download source ``name`` into ``dest``; raise a DataError saying what to do when it cannot."""
    if name not in SOURCES:
        raise DataError(name, "source", f"unknown public source; known: {', '.join(sorted(SOURCES))}")
    if not (isinstance(timeout, (int, float)) and 0 < timeout < float("inf")):
        raise DataError(name, "--timeout", f"must be a positive number of seconds (got {timeout!r})")
    src = SOURCES[name]
    if dest is None:
        from tradewar.data.registry import data_dir

        root = data_dir(data)
        dest = (root / "raw" / name) if root else Path.cwd() / "raw" / name
    dest = Path(dest)
    manual = (f"download {src.url or src.page} by hand (see {src.page}) and put {src.filename or 'the files'} in "
              f"{dest}{'; ' + src.note if src.note else ''}")
    if not src.url:
        raise DataError(name, "fetch", f"cannot be downloaded automatically: {src.note}; see {src.page}")
    target = dest / src.filename
    if target.is_file() and (target.with_suffix(target.suffix + ".sha256")).is_file():
        want = target.with_suffix(target.suffix + ".sha256").read_text().split()[0]
        if _sha256(target) == want:
            echo(f"{target} already present, checksum ok")
            return target
    opener = opener or urllib.request.urlopen
    echo(f"downloading {src.title} from {src.url} (timeout {timeout:g} s) …")
    try:
        response = opener(urllib.request.Request(src.url, headers={"User-Agent": "tradewar"}), timeout=timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(name, "fetch", f"no network access or the server did not answer ({reason}); {manual}") from None
    dest.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(target.suffix + ".part")
    digest = hashlib.sha256()
    try:
        with response, open(part, "wb") as fh:
            for block in iter(lambda: response.read(1 << 20), b""):
                fh.write(block)
                digest.update(block)
    except (urllib.error.URLError, OSError) as exc:
        part.unlink(missing_ok=True)
        raise DataError(name, "fetch", f"download interrupted ({exc}); {manual}") from None
    got = digest.hexdigest()
    known = src.sha256
    record = target.with_suffix(target.suffix + ".sha256")
    if known is None and record.is_file():
        known = record.read_text().split()[0]
    if known and got != known:
        part.unlink(missing_ok=True)
        raise DataError(name, "checksum", f"SHA-256 of the download is {got}, expected {known}; the file changed "
                                          f"on the server or the download is corrupt")
    os.replace(part, target)
    record.write_text(f"{got}  {target.name}\n")
    echo(f"SHA-256 {got} ({'verified' if known else 'recorded in ' + record.name})")
    return target
