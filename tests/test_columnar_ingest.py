"""Columnar features bodies (docs/ingest-formats.md): Parquet long and wide and NDJSON give the
same canonical build as the JSON of the same content, bad ones get a clear 4xx over a real
server and store nothing, gzip'd Parquet works, and `cli.py load` reads a .parquet file."""

from __future__ import annotations

import gzip
import json
import random
import uuid

import orjson
import pyarrow as pa
import pytest
import requests
from sqlalchemy import text

import cli
from data.domain.errors import InvalidPayload, MalformedBody
from data.domain.matrix import matrix_from_table
from data.payloads.columnar import features_from_ndjson, features_from_parquet
from data.payloads.features import features_from_json
from data.storage.db import make_engine, migrate
from tests.support.columnar import (NDJSON, PARQUET, long_table, ndjson, parquet_bytes,
                                    parquet_long, parquet_wide, wide_table)
from tests.support.payloads import random_payload

FEATURES = {"a b.png": {"dog": 0.9, "cat": 0.1, "sky": None}, "c/d.png": {"dog": 0.3, "cat": 2},
            "é.png": {"cat": 0.8, "dog": 0.0}, "empty.png": {}, "z.png": {"sky": 1e-300}}


def canonical(payload: dict) -> bytes:
    return matrix_from_table(features_from_json(orjson.dumps(payload))).to_bytes()


@pytest.fixture(scope="module")
def payload() -> dict:
    """A few hundred images with nulls, empty images, ties and an integer value."""
    p = random_payload(11, [f"img {i:04d}.png" for i in range(300)])
    p.update(FEATURES)
    return p


# ------------------------------------------------------------------ same build, every format

def test_parquet_long_gives_the_json_builds_bytes_whatever_the_row_order(payload):
    table = long_table(payload)
    shuffled = table.take(pa.array(random.Random(3).sample(range(table.num_rows),
                                                           table.num_rows)))
    for body in (parquet_bytes(table), parquet_bytes(shuffled, row_group_size=97),
                 parquet_bytes(table, use_dictionary=False)):
        assert matrix_from_table(features_from_parquet(body)).to_bytes() == canonical(payload)


def test_parquet_wide_gives_the_json_builds_bytes(payload):
    for body in (parquet_wide(payload), parquet_wide(payload, row_group_size=41)):
        assert matrix_from_table(features_from_parquet(body)).to_bytes() == canonical(payload)


def test_parquet_wide_with_integer_columns_counts_them_as_numbers():
    table = pa.table({"image": ["a", "b"], "dog": pa.array([1, 0], pa.int32()),
                      "cat": pa.array([0.5, None])})
    expected = canonical({"a": {"dog": 1, "cat": 0.5}, "b": {"dog": 0, "cat": None}})
    assert matrix_from_table(features_from_parquet(parquet_bytes(table))).to_bytes() == expected


def test_a_pandas_index_column_is_not_a_feature(payload):
    for table in (long_table(payload), wide_table(payload)):
        indexed = table.append_column("__index_level_0__", pa.array(range(table.num_rows)))
        body = parquet_bytes(indexed)
        assert matrix_from_table(features_from_parquet(body)).to_bytes() == canonical(payload)


def test_ndjson_gives_the_json_builds_bytes_with_blank_lines_and_crlf(payload):
    body = ndjson(payload)
    assert matrix_from_table(features_from_ndjson(body)).to_bytes() == canonical(payload)
    untidy = b"\n" + body.replace(b"\n", b"\r\n\n").rstrip(b"\n")  # no newline at the end
    assert matrix_from_table(features_from_ndjson(untidy)).to_bytes() == canonical(payload)


# --------------------------------------------------------------- bad bodies, decoded directly

def _long(rows: list[tuple], value_type=pa.float64()) -> bytes:
    return parquet_bytes(pa.table({"image": [r[0] for r in rows],
                                   "feature": [r[1] for r in rows],
                                   "value": pa.array([r[2] for r in rows], value_type)}))


def _lines(*objs) -> bytes:
    return b"\n".join(o if isinstance(o, bytes) else orjson.dumps(o) for o in objs) + b"\n"


OK_LINE = {"image": "a", "features": {"dog": 0.5}}
BAD_BODIES = [
    pytest.param(PARQUET, b"PAR1 not really", 400, "bad_parquet", id="not-parquet"),
    pytest.param(PARQUET, _long([("a", "dog", 0.5), ("b", "dog", float("nan"))]), 422,
                 "bad_value", id="long-nan"),
    pytest.param(PARQUET, _long([("a", "dog", float("inf"))]), 422, "bad_value", id="long-inf"),
    pytest.param(PARQUET, _long([("a", "dog", 0.5), ("b", "cat", 1), ("a", "dog", 0.7)]), 422,
                 "duplicate_keys", id="long-pair-twice"),
    pytest.param(PARQUET, _long([("", "dog", 0.5)]), 422, "empty_name", id="long-empty-image"),
    pytest.param(PARQUET, _long([("a", "", 0.5)]), 422, "empty_name", id="long-empty-feature"),
    pytest.param(PARQUET, _long([("a", "d\x00g", 0.5)]), 422, "bad_name", id="long-nul"),
    pytest.param(PARQUET, _long([("x" * 501, "dog", 0.5)]), 422, "name_too_long", id="long-501"),
    pytest.param(PARQUET, _long([("a.png", "f" * 201, 0.5)]), 422, "name_too_long",
                 id="long-feature-201"),
    pytest.param(PARQUET, _long([(None, "dog", 0.5)]), 422, "wrong_shape", id="long-null-image"),
    pytest.param(PARQUET, _long([("a", "dog", "high")], pa.string()), 422, "wrong_shape",
                 id="long-text-values"),
    pytest.param(PARQUET, parquet_bytes(pa.table({"name": ["a"], "dog": [0.5]})), 422,
                 "wrong_shape", id="no-image-column"),
    pytest.param(PARQUET, parquet_bytes(pa.table({"image": ["a"], "dog": [True]})), 422,
                 "wrong_shape", id="wide-boolean"),
    pytest.param(PARQUET, parquet_bytes(pa.table({"image": ["a", "a"], "dog": [0.5, 0.1]})),
                 422, "duplicate_keys", id="wide-image-twice"),
    pytest.param(PARQUET, parquet_bytes(pa.table({"image": ["a", "b"], "dog": [0.5, None],
                                                  "cat": [1.0, float("nan")]})),
                 422, "bad_value", id="wide-nan"),
    pytest.param(PARQUET, parquet_bytes(pa.table({"image": ["a"], "": [0.5]})), 422,
                 "empty_name", id="wide-empty-feature"),
    pytest.param(PARQUET, parquet_bytes(pa.table({"image": pa.array([], pa.string()),
                                                  "dog": pa.array([], pa.float64())})),
                 422, "empty_payload", id="wide-no-rows"),
    pytest.param(NDJSON, _lines(OK_LINE, b'{"image": "b", "features": {"dog": }}'), 400,
                 "malformed_json", id="ndjson-syntax"),
    pytest.param(NDJSON, _lines(OK_LINE, b'{"image": "b", "features": {"dog": NaN}}'), 422,
                 "non_finite_number", id="ndjson-nan"),
    pytest.param(NDJSON, _lines(OK_LINE, {"image": "b", "values": {}}), 422, "wrong_shape",
                 id="ndjson-keys"),
    pytest.param(NDJSON, _lines(OK_LINE, [1, 2]), 422, "wrong_shape", id="ndjson-array-line"),
    pytest.param(NDJSON, _lines(OK_LINE, b'{"image": "b", "features": {}} {"image": "c", '
                                         b'"features": {}}'), 400, "malformed_json",
                 id="ndjson-two-objects-on-a-line"),
    pytest.param(NDJSON, _lines(OK_LINE, b'\xef\xbb\xbf{"image": "b", "features": {}}'), 400,
                 "malformed_json", id="ndjson-byte-order-mark-on-a-later-line"),
    pytest.param(NDJSON, _lines(OK_LINE, OK_LINE), 422, "duplicate_keys", id="ndjson-image-twice"),
    pytest.param(NDJSON, _lines(b'{"image": "a", "features": {"dog": 0.5, "dog": 0.7}}'), 422,
                 "duplicate_keys", id="ndjson-feature-twice"),
    pytest.param(NDJSON, _lines({"image": "a", "features": {"dog": True}}), 422, "bad_value",
                 id="ndjson-boolean"),
    pytest.param(NDJSON, _lines({"image": "a", "features": {"d\x00g": 1}}), 422, "bad_name",
                 id="ndjson-nul"),
    pytest.param(NDJSON, _lines({"image": "", "features": {"dog": 1}}), 422, "empty_name",
                 id="ndjson-empty-image"),
    pytest.param(NDJSON, b"\n\n", 422, "empty_payload", id="ndjson-no-lines"),
]


@pytest.mark.parametrize("media_type,body,status,code", BAD_BODIES)
def test_bad_columnar_body_is_refused_with_its_code(media_type, body, status, code):
    decode = features_from_parquet if media_type == PARQUET else features_from_ndjson
    with pytest.raises((InvalidPayload, MalformedBody)) as err:
        decode(body)
    assert err.value.code == code, err.value
    assert isinstance(err.value, MalformedBody if status == 400 else InvalidPayload)


def test_ndjson_errors_name_the_line():
    with pytest.raises(MalformedBody) as err:
        features_from_ndjson(_lines(OK_LINE, b"", b'{"image": "b", "features": {"dog": }}'))
    assert err.value.message.startswith("Line 3:"), err.value.message
    assert err.value.details[0]["line"] == 3


def test_repeated_pair_lists_image_feature_and_times():
    with pytest.raises(InvalidPayload) as err:
        features_from_parquet(_long([("a", "dog", 0.5), ("b", "cat", 1), ("a", "dog", 0.7)]))
    assert err.value.details == [{"image": "a", "feature": "dog", "times": 2}]


# ------------------------------------------------------------------------- over a real server

@pytest.fixture
def ident() -> dict:
    return {"Business": f"Columnar {uuid.uuid4().hex[:8]}", "Image-Source": "covers"}


def put(server, ident, body: bytes, media_type: str, **headers):
    return requests.put(server.url("api/v1/features"), data=body,
                        headers={**ident, "Content-Type": media_type, **headers}, timeout=60)


def stored(server, ident) -> list:
    return [b for b in requests.get(server.url("api/v1/datasets")).json()["businesses"]
            if b["business"] == ident["Business"]]


def test_every_format_over_http_stores_the_json_builds_content(module_live_server, payload):
    server = module_live_server
    hashes = {}
    for name, media_type, body in (("json", "application/json", orjson.dumps(payload)),
                                   ("long", PARQUET, parquet_long(payload)),
                                   ("wide", PARQUET, parquet_wide(payload)),
                                   ("ndjson", NDJSON, ndjson(payload))):
        ident = {"Business": f"Columnar {name} {uuid.uuid4().hex[:6]}", "Image-Source": "s"}
        r = put(server, ident, body, media_type)
        assert r.status_code == 201, (name, r.text)
        hashes[name] = r.json()["content_hash"]
        again = put(server, ident, body, media_type)  # the same delivery again: unchanged
        assert (again.status_code, again.json()["status"]) == (200, "unchanged")
    assert len(set(hashes.values())) == 1, hashes


def test_gzipped_parquet_with_an_idempotency_key(module_live_server, ident, payload):
    body = gzip.compress(parquet_long(payload))
    headers = {"Content-Encoding": "gzip", "Idempotency-Key": "jenkins-7"}
    first = put(module_live_server, ident, body, PARQUET, **headers)
    assert first.status_code == 201, first.text
    assert first.json()["images"] == len(payload)
    replay = put(module_live_server, ident, body, PARQUET, **headers)
    assert replay.status_code == 200 and replay.json()["build"] == first.json()["build"]
    other = put(module_live_server, ident, gzip.compress(parquet_wide(FEATURES)), PARQUET,
                **headers)
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize("media_type,body,status,code",
                         [p for p in BAD_BODIES if p.id in ("not-parquet", "long-nan",
                                                            "long-pair-twice", "wide-image-twice",
                                                            "ndjson-syntax", "ndjson-keys",
                                                            "ndjson-feature-twice")])
def test_bad_columnar_body_over_http_is_a_json_4xx_and_stores_nothing(
        module_live_server, ident, media_type, body, status, code):
    r = put(module_live_server, ident, body, media_type)
    assert r.status_code == status, r.text
    assert r.json()["error"] == code and r.json()["message"]
    assert stored(module_live_server, ident) == []


def test_wrong_content_type_is_415_listing_every_accepted_type(module_live_server, ident):
    r = put(module_live_server, ident, parquet_long(FEATURES), "application/octet-stream")
    assert r.status_code == 415, r.text
    accepted = r.json()["details"][0]["accepted"]
    assert set(accepted) == {"application/json", PARQUET, NDJSON}
    assert PARQUET in r.json()["message"] and NDJSON in r.json()["message"]
    assert stored(module_live_server, ident) == []


# ---------------------------------------------------------------------------------- the CLI

def test_cli_loads_a_parquet_file_and_an_ndjson_file(module_database_url, monkeypatch,
                                                     tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", module_database_url)
    (tmp_path / "build.parquet").write_bytes(parquet_wide(FEATURES))
    (tmp_path / "build.ndjson").write_bytes(ndjson(FEATURES))
    answers = []
    for i, name in enumerate(("build.parquet", "build.ndjson")):
        assert cli.main(["load", "--business", "CLI B", "--image-source", "S",
                         "--features", str(tmp_path / name)]) == 0
        answers.append(json.loads(capsys.readouterr().out))
    # the NDJSON file is the same build, so it is found unchanged
    assert answers[0]["status"] == "created" and answers[1]["status"] == "unchanged"
    assert answers[0]["content_hash"] == matrix_from_table(
        features_from_json(orjson.dumps(FEATURES))).content_hash()


def test_cli_reports_a_bad_parquet_file(module_database_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", module_database_url)
    (tmp_path / "bad.parquet").write_bytes(_long([("a", "dog", float("nan"))]))
    assert cli.main(["load", "--business", "CLI bad", "--image-source", "S",
                     "--features", str(tmp_path / "bad.parquet")]) == 1
    assert "not finite" in capsys.readouterr().err


# ------------------------------------------------------------------------------- PostgreSQL

@pytest.mark.backend("postgresql")
def test_postgresql_stores_build_parts_uncompressed(module_database_url):
    """Migration 0008: the parts are float64 values that TOAST compression barely shrinks."""
    engine = make_engine(module_database_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            storage = conn.execute(text(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'build_part'::regclass "
                "AND attname = 'data'")).scalar()
    finally:
        engine.dispose()
    assert storage == "e"
