"""A large JSON (or NDJSON) features body read by two processes (data/payloads/json_halves.py)
gives exactly the table, or exactly the error, of the same body read whole: whatever the body's
layout, wherever its cut falls, whichever half is bad; a child that fails or stalls only costs
time; and a live server (gunicorn's sync worker and the README's threaded one) stores the same
build."""

from __future__ import annotations

import json
import os
import random
import time
import uuid

import orjson
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.domain.errors import DomainError
from data.domain.matrix import matrix_from_table
from data.payloads import features, json_halves
from data.payloads.columnar import features_from_ndjson
from data.payloads.features import features_from_json
from tests.support.columnar import ndjson
from tests.support.payloads import random_payload
from tests.support.server import LiveServer

ALWAYS, NEVER = 1, 0  # parallel_from: every body read in halves / every body read whole


def contents(t) -> tuple:
    """A FeatureTable as plain values, to compare with ==."""
    return t.image_names, t.feature_names, t.rows.tolist(), t.cols.tolist(), t.values.tolist()


def table_of(raw: bytes, parallel_from: int):
    return contents(features_from_json(raw, parallel_from))


def verdict(raw: bytes, parallel_from: int, read=features_from_json):
    """What reading `raw` gives: its table, or its error (kind, code, message, details)."""
    try:
        return contents(read(raw, parallel_from))
    except DomainError as exc:
        return type(exc).__name__, exc.code, exc.message, exc.details


def payload(seed: int, n: int = 400) -> dict:
    p = random_payload(seed, [f"img {i:04d}.png" for i in range(n)])
    first = next(iter(p))
    p[first].update({"with null": None, "an int": 3, "tiny": 1e-300})
    p["é/ünïcode ☃.png"] = {"feat_01": 0.5, "ß": 0.25}
    p["empty.png"] = {}
    return p


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The pids of the children json_halves forks during the test."""
    pids = []
    real_fork = os.fork

    def recording_fork():
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(json_halves.os, "fork", recording_fork)
    return pids


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


# ------------------------------------------------------------------------- the same table

@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("layout", ["compact", "indented", "spaced"])
def test_halves_give_the_whole_bodys_table(seed, layout, forks):
    p = payload(seed)
    raw = {"compact": orjson.dumps(p),
           "indented": json.dumps(p, indent=2, ensure_ascii=False).encode(),
           "spaced": json.dumps(p, separators=(" , ", " : ")).encode()}[layout]
    whole = table_of(raw, NEVER)
    assert not forks
    if layout != "spaced":  # '},' near the middle: the body is cut and read in halves
        halves = features._in_halves(raw)
        assert halves is not None and len(forks) == 1
        assert contents(halves) == whole
    opened = open_descriptors()
    assert table_of(raw, ALWAYS) == whole
    assert all(reaped(pid) for pid in forks)
    assert open_descriptors() == opened


def test_a_body_with_a_byte_order_mark_is_cut_after_it(forks):
    raw = b"\xef\xbb\xbf" + orjson.dumps(payload(4))
    assert table_of(raw, ALWAYS) == table_of(raw, NEVER)
    assert len(forks) == 1
    twice = b"\xef\xbb\xbf" + raw  # one mark is ignored, a second one is not JSON
    assert verdict(twice, ALWAYS) == verdict(twice, NEVER)
    assert verdict(twice, NEVER)[1] == "malformed_json"


def test_a_cut_inside_a_string_is_not_taken(forks):
    # Image names holding '},': pad the first name until the first '},' after the middle is
    # inside a name. Neither half then parses, and the body is read whole.
    for pad in range(64):
        p = {"x" * pad + "first": {"f": 0.5}}
        p.update({f"img}},{i:04d}": {"f": i + 1.0, "g": None} for i in range(300)})
        raw = orjson.dumps(p)
        cut = json_halves.split_point(raw)
        if raw[cut + 1:cut + 2] != b'"':  # not the end of a member: inside a name
            break
    else:
        pytest.fail("no padding put the cut inside a name")
    assert features._in_halves(raw) is None
    assert table_of(raw, ALWAYS) == table_of(raw, NEVER)
    assert len(forks) == 2 and all(reaped(pid) for pid in forks)


def test_a_body_without_a_cut_near_its_middle_is_read_whole(forks):
    raw = orjson.dumps({"one.png": {f"f{i}": float(i + 1) for i in range(5000)}})
    assert json_halves.split_point(raw) is None
    assert table_of(raw, ALWAYS) == table_of(raw, NEVER)
    assert not forks


# ------------------------------------------------------------------------ the same errors

def with_members(head: dict, tail: dict) -> bytes:
    """A body whose cut falls between `head`'s members and `tail`'s (head is the longer)."""
    return orjson.dumps({**head, **tail})


BIG = payload(5)


def bad_body(kind: str) -> bytes:
    images = list(BIG)
    first, last = images[0], images[-3]
    if kind == "string in the first half":
        return orjson.dumps({**BIG, first: {"feat_00": "0.5"}})
    if kind == "boolean in the second half":
        return orjson.dumps({**BIG, last: {"feat_00": True}})
    if kind == "bad values in both halves":  # the count must be the whole body's
        return orjson.dumps({**BIG, first: {"feat_00": [1]}, last: {"feat_00": {"x": 1}}})
    if kind == "an image in both halves":
        raw = orjson.dumps(BIG)
        return raw[:-1] + b',"' + first.encode() + b'":{"feat_03":0.5}}'
    if kind == "a feature twice in one image of the second half":
        raw = orjson.dumps(BIG)
        return raw[:-1] + b',"late.png":{"feat_03":0.5,"feat_03":0.25}}'
    if kind == "an empty name in the second half":
        return orjson.dumps({**BIG, last: {"": 1.0}})
    if kind == "a trailing comma right after the cut":
        return orjson.dumps({"one.png": {f"f{i}": 1.0 for i in range(3000)}})[:-1] + b",}"
    if kind == "a trailing comma at the end":
        return orjson.dumps(BIG)[:-1] + b",}"
    if kind == "an array of objects":
        return orjson.dumps(list(BIG.values()))
    if kind == "invalid UTF-8 in the second half":
        raw = orjson.dumps(BIG)
        at = raw.rindex(b"img ")
        return raw[:at] + b"\xff" + raw[at + 1:]
    if kind == "NaN in the second half":
        raw = orjson.dumps(BIG)
        at = raw.rindex(b":0.")
        return raw[:at + 1] + b"NaN" + raw[at + 5:]
    if kind == "a nested object at the cut":
        raw = orjson.dumps(BIG)
        cut = json_halves.split_point(raw)
        return raw[:cut] + b',"deep":{"x":{"y":1}}' + raw[cut:]
    raise ValueError(kind)


BAD = ["string in the first half", "boolean in the second half", "bad values in both halves",
       "an image in both halves", "a feature twice in one image of the second half",
       "an empty name in the second half", "a trailing comma right after the cut",
       "a trailing comma at the end", "an array of objects", "invalid UTF-8 in the second half",
       "NaN in the second half", "a nested object at the cut"]


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_body_gets_the_whole_bodys_error(kind, forks):
    raw = bad_body(kind)
    whole = verdict(raw, NEVER)
    assert isinstance(whole[0], str), f"{kind}: the whole body was accepted"
    assert verdict(raw, ALWAYS) == whole
    assert all(reaped(pid) for pid in forks)


def test_an_image_in_both_halves_is_refused_naming_it(forks):
    raw = bad_body("an image in both halves")
    kind, code, message, details = verdict(raw, ALWAYS)
    assert forks, "the body was not cut"
    assert code == "duplicate_keys" and details[0] == {"image": next(iter(BIG)), "times": 2}


names = st.text(st.sampled_from(['}', ',', '{', '"', ":", "\\", " ", "a", "é"]), max_size=6)
scalars = (st.none() | st.booleans() | st.integers(-(10**20), 10**20)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=3))
images = st.dictionaries(names, st.dictionaries(names, scalars | st.lists(scalars, max_size=1),
                                                max_size=4), max_size=8)


numbers = st.none() | st.integers(-(10**6), 10**6) | st.floats(-1e300, 1e300)
good_images = st.dictionaries(names, st.dictionaries(names.filter(bool), numbers, max_size=4),
                              min_size=2, max_size=8).filter(lambda d: "" not in d)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=images, layout=st.sampled_from([None, 1, " "]), tail=st.sampled_from([b"", b",}"]))
def test_any_feature_shaped_body_gets_the_same_verdict_in_halves(body, layout, tail):
    raw = json.dumps(body, indent=layout).encode()
    if tail and raw.endswith(b"}"):
        raw = raw[:-1] + tail
    assert verdict(raw, ALWAYS) == verdict(raw, NEVER)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=good_images, layout=st.sampled_from([None, 1]))
def test_any_good_body_gives_the_same_table_in_halves(body, layout):
    raw = json.dumps(body, indent=layout, ensure_ascii=False).encode()
    whole = table_of(raw, NEVER)
    halves = features._in_halves(raw)
    if halves is not None:  # the cut fell between two images
        assert contents(halves) == whole
    assert table_of(raw, ALWAYS) == whole


def test_good_bodies_with_names_full_of_braces_and_commas_are_mostly_cut():
    rng = random.Random(15)
    alphabet = '}{,":\\ aé'
    cut = 0
    for _ in range(40):
        body = {"".join(rng.choices(alphabet, k=rng.randint(1, 6))) + str(i): {
            "".join(rng.choices(alphabet, k=rng.randint(1, 4))): rng.choice([None, 1, 0.5, -2e-9])
            for _ in range(rng.randint(0, 4))} for i in range(rng.randint(2, 12))}
        raw = json.dumps(body, ensure_ascii=False).encode()
        whole = table_of(raw, NEVER)
        halves = features._in_halves(raw)
        if halves is not None:
            cut += 1
            assert contents(halves) == whole
        assert table_of(raw, ALWAYS) == whole
    assert cut >= 20, cut


# ------------------------------------------------------------------------------- NDJSON

def ndjson_verdict(raw: bytes, parallel_from: int):
    return verdict(raw, parallel_from, features_from_ndjson)


@pytest.mark.parametrize("seed", [16, 17])
def test_ndjson_halves_give_the_whole_bodys_table(seed, forks):
    raw = b"\xef\xbb\xbf" + ndjson(payload(seed)).replace(b"\n", b"\r\n\n", 7)
    whole = ndjson_verdict(raw, NEVER)
    assert not forks and not isinstance(whole[0], str)
    opened = open_descriptors()
    assert ndjson_verdict(raw, ALWAYS) == whole
    assert len(forks) == 1 and reaped(forks[0])
    assert open_descriptors() == opened


def bad_ndjson(kind: str) -> bytes:
    lines = ndjson(BIG).splitlines(keepends=True)
    if kind == "a bad value in the second half":  # the error names the body's line
        lines[-5] = orjson.dumps({"image": "late.png", "features": {"f": "x"}}) + b"\n"
    elif kind == "an image on lines of both halves":
        lines.append(lines[0])
    elif kind == "a line that is not JSON in the first half":
        lines[3] = b'{"image": "broken.png", "features": {"f": }}\n'
    elif kind == "a byte-order mark opening the second half":
        middle = len(b"".join(lines)) // 2
        at = next(k for k in range(len(lines)) if len(b"".join(lines[:k])) > middle)
        lines[at] = b"\xef\xbb\xbf" + lines[at]
    elif kind == "only blank lines after the cut":
        lines = lines[:2] + [b"\n" * 3000]
    return b"".join(lines)


@pytest.mark.parametrize("kind", ["a bad value in the second half",
                                  "an image on lines of both halves",
                                  "a line that is not JSON in the first half",
                                  "a byte-order mark opening the second half",
                                  "only blank lines after the cut"])
def test_a_bad_ndjson_body_gets_the_whole_bodys_error(kind, forks):
    raw = bad_ndjson(kind)
    whole = ndjson_verdict(raw, NEVER)
    if kind != "only blank lines after the cut":
        assert isinstance(whole[0], str), f"{kind}: the whole body was accepted"
    assert ndjson_verdict(raw, ALWAYS) == whole
    assert all(reaped(pid) for pid in forks)


# ------------------------------------------------------------------- a child that fails

def test_a_child_that_fails_only_costs_time(monkeypatch, forks):
    def broken(table):
        raise MemoryError("the child ran out of memory")

    monkeypatch.setattr(features, "_table_bytes", broken)
    raw = orjson.dumps(payload(6))
    assert features._in_halves(raw) is None
    assert table_of(raw, ALWAYS) == table_of(raw, NEVER)
    assert len(forks) == 2 and all(reaped(pid) for pid in forks)


def test_a_child_that_stalls_is_stopped_and_the_body_read_whole(monkeypatch, forks):
    def stalled(table):
        time.sleep(120)  # in the child: the parent must not wait this long
        return []

    monkeypatch.setattr(features, "_table_bytes", stalled)
    monkeypatch.setattr(json_halves, "_STALL_SECONDS", 0.5)
    raw = orjson.dumps(payload(7))
    t0 = time.monotonic()
    assert table_of(raw, ALWAYS) == table_of(raw, NEVER)
    assert time.monotonic() - t0 < 30
    assert len(forks) == 1 and reaped(forks[0])


def test_two_requests_reading_in_halves_at_once_each_get_their_own_table(forks):
    import threading

    bodies = [orjson.dumps(payload(seed, n=3000)) for seed in (12, 13)]
    expected = [table_of(raw, NEVER) for raw in bodies]
    got, errors = [None, None], []

    def read(k):
        try:
            for _ in range(3):
                got[k] = table_of(bodies[k], ALWAYS)
                assert got[k] == expected[k]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    opened = open_descriptors()
    threads = [threading.Thread(target=read, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert got == expected
    assert len(forks) == 6 and all(reaped(pid) for pid in forks)
    assert open_descriptors() == opened


def test_an_unexpected_error_in_this_processs_half_still_reaps_the_child(monkeypatch, forks):
    real = features.validate_features

    def failing_second_half(obj):
        if len(forks) == 1 and "img 0399.png" in obj:  # this process's half
            raise MemoryError("no memory for the second half")
        return real(obj)

    monkeypatch.setattr(features, "validate_features", failing_second_half)
    opened = open_descriptors()
    with pytest.raises(MemoryError):
        features._in_halves(orjson.dumps(payload(14)))
    assert len(forks) == 1 and reaped(forks[0])
    assert open_descriptors() == opened


@pytest.mark.parametrize("failing", ["fork", "pipe"])
def test_no_process_or_pipe_to_be_had_reads_the_body_whole(monkeypatch, failing):
    def refuse(*args):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    opened = open_descriptors()
    monkeypatch.setattr(json_halves.os, failing, refuse)
    raw = orjson.dumps(payload(11))
    assert features._in_halves(raw) is None
    assert table_of(raw, ALWAYS) == table_of(raw, NEVER)
    assert open_descriptors() == opened  # the pipe was closed


def test_small_bodies_and_one_core_are_read_whole(monkeypatch):
    raw = orjson.dumps(payload(8))
    assert json_halves.worth_splitting(raw, len(raw))
    assert not json_halves.worth_splitting(raw, len(raw) + 1)
    assert not json_halves.worth_splitting(raw, 0)
    monkeypatch.setattr(json_halves.os, "sched_getaffinity", lambda pid: {0})
    assert not json_halves.worth_splitting(raw, len(raw))


# ------------------------------------------------------------------------- a live server

@pytest.mark.parametrize("setting,cuts", [("1", 1), ("0", 0), (None, 0)])
def test_the_server_reads_in_halves_from_its_setting(database_url, monkeypatch, setting, cuts):
    from dataclasses import replace

    from app import create_app
    from config import Settings

    settings = Settings.from_env({"PARALLEL_PARSE_BYTES": setting} if setting else {})
    assert settings.parallel_parse_bytes == (int(setting) if setting else 16 * 1024 * 1024)
    calls = []
    real = features._in_halves
    monkeypatch.setattr(features, "_in_halves", lambda raw: calls.append(len(raw)) or real(raw))
    client = create_app(replace(settings, database_url=database_url, load_demo=False)).server \
        .test_client()
    r = client.put("/api/v1/features", data=orjson.dumps(payload(10)), headers={
        "Business": "Halves", "Image-Source": "s", "Content-Type": "application/json"})
    assert r.status_code == 201, r.json
    assert len(calls) == cuts


@pytest.mark.parametrize("server", ["gunicorn", "python"])
def test_a_live_server_reading_in_halves_stores_the_same_build(database_url, server):
    p = payload(9, n=2000)
    raw = orjson.dumps(p)
    expected = matrix_from_table(features_from_json(raw, NEVER)).content_hash()
    bad = bad_body("bad values in both halves")
    with LiveServer(database_url, server=server, env={"PARALLEL_PARSE_BYTES": "1"}) as srv:
        ident = {"Business": f"Halves {uuid.uuid4().hex[:8]}", "Image-Source": "covers",
                 "Content-Type": "application/json"}
        r = requests.put(srv.url("api/v1/features"), data=raw, headers=ident, timeout=60)
        assert r.status_code == 201, r.text
        assert r.json()["content_hash"] == expected
        refused = requests.put(srv.url("api/v1/features"), data=bad, headers=ident, timeout=60)
        assert refused.status_code == 422
        _, code, message, details = verdict(bad, NEVER)
        assert (refused.json()["error"], refused.json()["message"]) == (code, message)
        # the server is whole after both: the build it answered with is the one it serves
        datasets = requests.get(srv.url("api/v1/datasets"), timeout=60).json()["businesses"]
        (mine,) = [d for d in datasets if d["business"] == ident["Business"]]
        (source,) = mine["image_sources"]
        assert [b["images"] for b in source["builds"]] == [len(p)]
