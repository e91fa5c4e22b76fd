"""Several workers and several machines on one database: a build accepted by one worker is
what every worker answers with from the next request on (each request checks the image
source's version; nothing is pushed between workers)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.reliability.builds import build_body, identity, marker_count, metrics_body, serve

JSON = {"Content-Type": "application/json"}
ACCESS_LOG = {"GUNICORN_CMD_ARGS": "--access-logfile - --access-logformat 'served-by %(p)s %(r)s'"}
PARAMS = {"business": "Reliability", "image_source": "pictures"}


def _put(srv, body: bytes, tag: str = "put") -> requests.Response:
    resp = requests.put(srv.url("api/v1/features"), params={"tag": tag}, data=body,
                        headers={**identity(), **JSON}, timeout=60)
    assert resp.status_code in (200, 201), resp.text
    return resp


def _read(srv, tag: str) -> dict:
    # A new connection per request, so the kernel hands it to any worker.
    resp = requests.get(srv.url("api/v1/features"), params={**PARAMS, "tag": tag}, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _pids_by_tag(srv) -> dict[str, str]:
    """tag -> pid of the worker that answered it, from gunicorn's access log."""
    return {m.group(2): m.group(1)
            for m in re.finditer(r"served-by <?(\d+)>? [A-Z]+ \S*tag=([\w-]+)", srv.log_text())}


def _read_until(srv, prefix: str, covered, timeout: float = 60.0) -> dict[str, dict]:
    """Rounds of 6 simultaneous reads (so they land on different, busy workers) until
    covered(answers, pids by tag) is true; all answers so far."""
    answers: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(6) as pool:
        while not covered(answers, _pids_by_tag(srv)):
            assert time.monotonic() < deadline, "the reads never reached the workers wanted"
            tags = [f"{prefix}-{len(answers) + i}" for i in range(6)]
            answers.update(zip(tags, pool.map(lambda t: _read(srv, t), tags)))
            time.sleep(0.05)  # the access log lines of this round
    return answers


def test_a_put_to_one_worker_is_seen_by_every_worker_on_the_next_request(live_server_factory):
    srv = serve(live_server_factory, workers=3, env=ACCESS_LOG)
    first = _put(srv, build_body(1)).json()["build"]
    requests.put(srv.url("api/v1/metrics"), data=metrics_body(), headers={**identity(), **JSON},
                 timeout=60).raise_for_status()
    workers = {str(p) for p in srv.worker_pids()}
    assert len(workers) == 3

    def served_by(answers, pids):
        return {pids[t] for t in answers if t in pids}

    # Every worker answers (and so caches) build 1.
    warm = _read_until(srv, "warm", lambda a, pids: served_by(a, pids) >= workers)
    assert {a["build"] for a in warm.values()} == {first}

    second = _put(srv, build_body(2), tag="put2").json()["build"]
    put_done = time.monotonic()
    # Every worker, including those that did not take the PUT, answers once more.
    after = _read_until(srv, "after",
                        lambda a, pids: served_by(a, pids) >= workers and len(a) >= 36)
    elapsed = time.monotonic() - put_done

    stale = [tag for tag, a in after.items() if (a["build"], marker_count(a)) != (second, 2)]
    assert stale == [], f"{len(stale)} of {len(after)} reads after the PUT saw the old build"
    print(f"\nworkers: PUT taken by 1 of 3 workers; {len(after)} reads after it, on all 3 "
          f"(each had cached the previous build), stale answers: 0; {elapsed:.2f}s in all")


def test_two_servers_on_one_database_behave_as_one(live_server_factory):
    machine_a = serve(live_server_factory, workers=2)
    machine_b = serve(live_server_factory, workers=2)
    for k in range(1, 4):
        target, other = (machine_a, machine_b) if k % 2 else (machine_b, machine_a)
        build = _put(target, build_body(k)).json()["build"]
        answer = _read(other, f"k{k}")
        assert answer["build"] == build
    datasets_a = requests.get(machine_a.url("api/v1/datasets"), timeout=30).json()
    datasets_b = requests.get(machine_b.url("api/v1/datasets"), timeout=30).json()
    assert datasets_a == datasets_b
