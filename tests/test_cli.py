"""The command line for data scientists without Jenkins: load files from disk, pull a build
from a URL (with the Business / Image-Source headers), list what is stored."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import cli
from data.stats.features import feature_stats
from data.storage.cache import DatasetCache
from data.storage.db import make_engine
from data.storage.store import Store
from tests.support.server import REPO_ROOT

FEATURES = {"a b.png": {"dog": 0.9, "cat": 0.1}, "c/d.png": {"dog": 0.3}, "é.png": {"cat": 0.8},
            "f.png": {}}
METRICS_CSV = "image,impressions,clicks\na b.png,100,10\nc/d.png,100,20\né.png,100,0\nf.png,50,5\n"
BUSINESS, SOURCE = "Data Science ☕", "covers/v2"


@pytest.fixture
def db_env(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def files(tmp_path):
    features = tmp_path / "features.json"
    features.write_text(json.dumps(FEATURES), encoding="utf-8")
    metrics = tmp_path / "metrics.csv"
    metrics.write_text(METRICS_CSV, encoding="utf-8")
    return features, metrics


def dog_stats(database_url: str) -> dict:
    store = Store(make_engine(database_url))
    try:
        ds = DatasetCache(store).get(BUSINESS, SOURCE)
        return {r["feature"]: r for r in feature_stats(ds.index).records()}["dog"]
    finally:
        store.engine.dispose()


def test_load_then_list_from_the_real_command_line(database_url, files):
    features, metrics = files
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "cli.py", "load", "--business", BUSINESS,
                          "--image-source", SOURCE, "--features", str(features),
                          "--metrics", str(metrics), "--build-id", "notebook-1"],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    listed = subprocess.run([sys.executable, "cli.py", "list"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    (biz,) = json.loads(listed.stdout)
    assert biz["business"] == BUSINESS
    (src,) = biz["image_sources"]
    assert src["image_source"] == SOURCE and src["images_with_metrics"] == 4
    assert [(b["build_label"], b["images"], b["is_current"]) for b in src["builds"]] == [
        ("notebook-1", 4, True)]
    # dog in "a b" (0.10) and "c/d" (0.20); without: é (0.0), f (0.10)
    dog = dog_stats(database_url)
    assert (dog["n_with"], dog["n_without"]) == (2, 2)
    assert dog["impact"] == pytest.approx(0.15 - 0.05)


def test_load_metrics_alone_and_json_metrics(db_env, files, tmp_path, capsys):
    features, _ = files
    assert cli.main(["load", "--business", BUSINESS, "--image-source", SOURCE,
                     "--features", str(features)]) == 0
    metrics_json = tmp_path / "m.json"
    metrics_json.write_text(json.dumps({"a b.png": {"ctr": 0.4}, "c/d.png": {"ctr": 0.2},
                                        "é.png": {"ctr": 0.1}}), encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["load", "--business", BUSINESS, "--image-source", SOURCE,
                     "--metrics", str(metrics_json)]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] == 3
    assert dog_stats(db_env)["ctr_with"] == pytest.approx(0.3)


def test_load_with_a_bad_file_says_why_and_stores_nothing(db_env, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"a.png": {"dog": "high"}}')
    assert cli.main(["load", "--business", BUSINESS, "--image-source", SOURCE,
                     "--features", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "not finite numbers or null" in err and "a.png" in err
    assert cli.main(["list"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_load_needs_features_or_metrics(db_env, capsys):
    assert cli.main(["load", "--business", BUSINESS, "--image-source", SOURCE]) == 2
    assert "--features" in capsys.readouterr().err


class FeaturizerHandler(BaseHTTPRequestHandler):
    """Answers GET /build with the features JSON only for the expected identity headers, like
    the earlier Jenkins design the CLI's pull follows."""

    seen: list = []

    def do_GET(self):
        # HTTP headers are Latin-1 on the wire; the CLI sends the names' UTF-8 bytes.
        business = self.headers.get("Business", "").encode("latin-1").decode("utf-8")
        source = self.headers.get("Image-Source", "").encode("latin-1").decode("utf-8")
        self.seen.append((self.path, business, source))
        if self.path != "/build":
            self.send_error(404)
            return
        if (business, source) != (BUSINESS, SOURCE):
            self.send_error(400, "wrong identity headers")
            return
        body = json.dumps(FEATURES).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def featurizer():
    FeaturizerHandler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FeaturizerHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", FeaturizerHandler.seen
    httpd.shutdown()
    httpd.server_close()


def test_pull_gets_the_build_with_identity_headers(db_env, featurizer, files, capsys):
    url, seen = featurizer
    _, metrics = files
    assert cli.main(["pull", f"{url}/build", "--business", BUSINESS, "--image-source", SOURCE,
                     "--metrics", str(metrics), "--build-id", "pulled-7"]) == 0
    assert seen == [("/build", BUSINESS, SOURCE)]
    first, _ = json.JSONDecoder().raw_decode(capsys.readouterr().out)  # build, then metrics
    assert (first["status"], first["images"], first["build_label"]) == ("created", 4, "pulled-7")
    assert dog_stats(db_env)["impact"] == pytest.approx(0.1)
    assert cli.main(["list"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["business"] == BUSINESS


def test_pull_failure_exits_with_the_reason_and_stores_nothing(db_env, featurizer, capsys):
    url, _ = featurizer
    with pytest.raises(SystemExit) as info:
        cli.main(["pull", f"{url}/missing", "--business", BUSINESS, "--image-source", SOURCE])
    assert "404" in str(info.value.code)
    with pytest.raises(SystemExit) as info:
        cli.main(["pull", f"{url}/build", "--business", "Someone else", "--image-source", SOURCE])
    assert "400" in str(info.value.code)
    assert cli.main(["list"]) == 0
    assert json.loads(capsys.readouterr().out) == []
