"""Concurrency through a real server (gunicorn, 2 workers x 4 threads): readers during a stream
of ingests see only whole builds; simultaneous identical PUTs make one build; an
Idempotency-Key reused with another body is refused."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.reliability.builds import build_body, identity, marker_count, metrics_body, serve
from tests.reliability.database_probe import Probe

JSON = {"Content-Type": "application/json"}
N_IMAGES = 2000
READERS, INGESTS = 6, 10


def _server(live_server_factory):
    return serve(live_server_factory, workers=2, threads=4)


def _put(srv, body: bytes, **headers) -> requests.Response:
    return requests.put(srv.url("api/v1/features"), data=body,
                        headers={**identity(), **JSON, **headers}, timeout=120)


def test_readers_during_a_stream_of_ingests_only_see_whole_builds(live_server_factory):
    srv = _server(live_server_factory)
    k_of = {_put(srv, build_body(1, N_IMAGES)).json()["build"]: 1}
    requests.put(srv.url("api/v1/metrics"), data=metrics_body(N_IMAGES),
                 headers={**identity(), **JSON}, timeout=60).raise_for_status()
    url, params = srv.url("api/v1/features"), {"business": "Reliability", "image_source": "pictures"}
    done = threading.Event()
    answers: list[list[dict]] = [[] for _ in range(READERS)]
    failures: list[str] = []

    def read(i: int) -> None:
        with requests.Session() as http:
            while not done.is_set() or len(answers[i]) < 5:
                resp = http.get(url, params=params, timeout=60)
                if resp.status_code != 200:
                    failures.append(f"{resp.status_code} {resp.text[:200]}")
                    return
                answers[i].append(resp.json())

    readers = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    for t in readers:
        t.start()
    try:
        for k in range(2, 2 + INGESTS):
            resp = _put(srv, build_body(k, N_IMAGES))
            assert resp.status_code == 201, resp.text
            k_of[resp.json()["build"]] = k
    finally:
        done.set()
        for t in readers:
            t.join(120)
    assert not failures

    # The answer each build must give, asked for by id once everything is quiet.
    whole = {b: requests.get(url, params={**params, "build": b}, timeout=60).json()
             for b in k_of}
    seen, checked = set(), 0
    for answer in (a for reader in answers for a in reader):
        build = answer["build"]
        assert build in k_of, f"answer names unknown build {build}"
        assert marker_count(answer) == k_of[build] and answer["images"] == N_IMAGES
        assert answer["features"] == whole[build]["features"]
        seen.add(build)
        checked += 1
    assert len(seen) >= 3, f"readers saw builds {sorted(seen)}: they did not overlap the ingests"
    print(f"\nreaders x ingests: {READERS} readers, {INGESTS} ingests, {checked} answers checked, "
          f"{len(seen)} distinct builds seen, 0 inconsistent")


def _at_once(n: int, fn):
    barrier = threading.Barrier(n)

    def call(_):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(call, range(n)))


def test_two_identical_puts_at_once_make_one_build(live_server_factory, database_url):
    srv = _server(live_server_factory)
    body = build_body(5, 20_000)
    first, second = _at_once(2, lambda: _put(srv, body, **{"Build-Id": "jenkins-7"}))
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["build"] == second.json()["build"]
    assert len(Probe(database_url).builds()) == 1


def test_identical_puts_with_one_idempotency_key_get_one_answer(live_server_factory, database_url):
    srv = _server(live_server_factory)
    body = build_body(5, 20_000)
    answers = _at_once(3, lambda: _put(srv, body, **{"Idempotency-Key": "jenkins-7"}))
    # One creates; the repeats get the first answer's body again, with 200 (nothing created).
    assert sorted(a.status_code for a in answers) == [200, 200, 201]
    assert len({a.text for a in answers}) == 1
    assert len(Probe(database_url).builds()) == 1


def test_idempotency_key_reused_with_another_body_is_422_and_writes_nothing(live_server_factory,
                                                                            database_url):
    srv = _server(live_server_factory)
    first = _put(srv, build_body(1), **{"Idempotency-Key": "jenkins-8"})
    assert first.status_code == 201
    reused = _put(srv, build_body(2), **{"Idempotency-Key": "jenkins-8"})
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    assert len(Probe(database_url).builds()) == 1
    # A later build does not change what the key answers.
    assert _put(srv, build_body(3)).status_code == 201
    again = _put(srv, build_body(1), **{"Idempotency-Key": "jenkins-8"})
    assert (again.status_code, again.json()) == (200, first.json())
