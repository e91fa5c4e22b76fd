"""The image table of a build: every image's name and CTR, in the build's image order.

The dashboard's scatter sends per point only the image's index; the browser fetches this table
once per build (and again only when a metrics delivery lands) to show each point's CTR and name
(assets/scatter.js). It is also a plain read for anyone who wants a build's image list.
"""

from __future__ import annotations

import base64

import numpy as np
import orjson
from flask import Blueprint, Response, g, request

from api import compression
from api.access import services
from api.request import build_arg, choice_arg, identity, metrics_arg

images = Blueprint("images", __name__)

CTR_DTYPES = ("f8", "f4")  # the `ctr` query's choices: float64 (exact, the default) or float32


@images.route("/images", methods=["GET"], strict_slashes=False)
def get_images():
    """{"build", "key", "images": [name, ...], "ctr": {"dtype": "f8", "bdata"}} for a build
    (query: business, image_source, build, metrics: a delivery id for the CTRs as of it;
    `key` = the table's version, see below; ctr=f4: the CTRs in single precision)."""
    business, source = identity()
    dtype = choice_arg("ctr", CTR_DTYPES, "f8")
    ds = services().cache.get(business, source, build_arg(), metrics_arg())
    key = ds.image_table_key
    # The answer is the same for everyone who asks for this table: written once per dataset
    # (32 MB of JSON at 1M images, 0.16 s) and compressed once (api/compression.py keeps the
    # last few tables' compressed bodies under this name: brotli took 0.28 s per request).
    body = ds.derived(f"image-table {dtype} {business} {source}",
                      lambda d: _table(d, business, source, dtype))
    g.compressed_as = f"{compression.TABLE_PREFIX}{business}\n{source}\n{key}\n{dtype}"
    resp = Response(body, mimetype="application/json")
    resp.set_etag(key if dtype == "f8" else f"{key}.{dtype}")
    if request.args.get("key") == key:
        # The address names this exact table, which never changes: the browser keeps it.
        resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    else:
        resp.headers["Cache-Control"] = "no-cache"
    return resp.make_conditional(request)


def _table(ds, business: str, source: str, dtype: str) -> bytes:
    return orjson.dumps({
        "business": business, "image_source": source, "build": ds.build.id,
        "key": ds.image_table_key, "images": ds.matrix.image_names,
        # CTR per image (NaN: no outcome), as base64 little-endian float64 (exact) or float32:
        # the page asks for float32, which it draws and rounds for the hover identically and
        # which is half the bytes (at 1M images 3.8 of the table's 8.2 MB brotli, not 7.8).
        "ctr": {"dtype": dtype, "bdata": base64.b64encode(
            np.ascontiguousarray(ds.index.y, dtype="<" + dtype).tobytes()).decode("ascii")},
    })
