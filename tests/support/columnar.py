"""A features payload {image: {feature: value or None}} written as the columnar bodies the API
accepts (docs/ingest-formats.md): Parquet long, Parquet wide, NDJSON."""

from __future__ import annotations

import io
import math

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

PARQUET = "application/vnd.apache.parquet"
NDJSON = "application/x-ndjson"


def parquet_bytes(table: pa.Table, **options) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **options)
    return buf.getvalue()


def long_table(payload: dict) -> pa.Table:
    """One row per (image, feature, value); every value listed, nulls as nulls. An image
    without features gets one row with a null value (long rows name images by their values)."""
    some_feature = next((f for feats in payload.values() for f in feats), "feature")
    rows = [(image, feature, value) for image, feats in payload.items()
            for feature, value in (feats.items() or [(some_feature, None)])]
    return pa.table({"image": [r[0] for r in rows], "feature": [r[1] for r in rows],
                     "value": pa.array([r[2] for r in rows], pa.float64())})


def wide_table(payload: dict) -> pa.Table:
    """One row per image, a float column per feature (absent values as nulls)."""
    features = sorted({f for feats in payload.values() for f in feats})
    columns = {"image": list(payload)}
    for f in features:
        columns[f] = pa.array([feats.get(f) for feats in payload.values()], pa.float64())
    return pa.table(columns)


def parquet_long(payload: dict, **options) -> bytes:
    return parquet_bytes(long_table(payload), **options)


def parquet_wide(payload: dict, **options) -> bytes:
    return parquet_bytes(wide_table(payload), **options)


def ndjson(payload: dict) -> bytes:
    return b"".join(orjson.dumps({"image": image, "features": feats}) + b"\n"
                    for image, feats in payload.items())


def finite(payload: dict) -> bool:
    return all(v is None or math.isfinite(v) for feats in payload.values() for v in feats.values())
