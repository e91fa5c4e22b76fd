"""How the page's files are served (api/serving.py): fingerprinted files cached for good, the
rest revalidated with 304 for weak and strong ETags alike, no versions shown, unknown pages 404;
and the per-build image table the scatter reads (GET /api/v1/images)."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from app import create_app
from config import Settings


@pytest.fixture
def client(settings):
    return create_app(settings).server.test_client()


def _page_files(client, prefix: str = "/") -> list[str]:
    page = client.get(prefix).get_data(as_text=True)
    return re.findall(r'(?:src|href)="([^"]+\.(?:js|css|ico)[^"]*)"', page)


def test_fingerprinted_files_are_cached_for_a_year_and_never_asked_for_again(client):
    files = _page_files(client)
    assert any("/assets/" in f for f in files) and any("_dash-component-suites" in f for f in files)
    for path in files:
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable", path


def test_the_page_loads_the_regenerator_runtime_instead_of_dashs_polyfill(client):
    scripts = [f for f in _page_files(client) if ".js" in f]
    names = [f.split("?")[0].rsplit("/", 1)[-1] for f in scripts]
    assert not any("polyfill" in n for n in names), names
    assert names.index("00-regenerator.min.js") < next(
        i for i, n in enumerate(names) if n.startswith("dash_renderer"))
    assert names.index("00-plotly.min.js") < next(
        i for i, n in enumerate(names) if n.startswith("dash_core_components"))
    assert any(n.startswith("react-dom@") for n in names)  # the rest of Dash's scripts stay


@pytest.mark.parametrize("path", ["/_dash-component-suites/dash/dcc/async-graph.js",
                                  "/_dash-layout", "/_dash-dependencies", "/assets/page.js"])
def test_unfingerprinted_answers_revalidate_with_304_for_weak_and_strong_etags(client, path):
    first = client.get(path)
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    for form in (etag, "W/" + etag, f'"other", W/{etag}'):
        again = client.get(path, headers={"If-None-Match": form})
        assert again.status_code == 304 and again.data == b"", form
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_page_shows_no_library_or_python_versions(client):
    import dash
    import plotly
    import sys

    page = client.get("/").get_data(as_text=True)
    config = re.search(r'id="_dash-config"[^>]*>(.*?)</script>', page, re.S).group(1)
    for word in ("dash_version", "python_version", "plotly_version"):
        assert word not in config
    versions = {dash.__version__, plotly.__version__, sys.version.split()[0]}
    underscored = {v.replace(".", "_") for v in versions}
    assert not any(v in page for v in versions | underscored), "a version in the page"


def test_unknown_pages_are_404_with_the_page_itself_and_known_routes_are_not(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and b'id="react-entry-point"' in missing.data
    assert client.get("/").status_code == 200
    assert client.get("/?business=x").status_code == 200
    assert client.get("/api/v1/nothing").get_json()["error"] == "not_found"  # the API's own 404
    assert client.get("/_dash-layout").status_code == 200


def test_unknown_pages_under_a_prefix_are_404(settings):
    client = create_app(Settings(**{**settings.__dict__, "url_prefix": "/tools/images/"})) \
        .server.test_client()
    assert client.get("/tools/images/").status_code == 200
    assert client.get("/tools/images/nope").status_code == 404


def _put_build(client):
    ident = {"Business": "b", "Image-Source": "s"}
    assert client.put("/api/v1/features", headers=ident, json={
        "z.jpg": {"x": 0.5}, "a&b.jpg": {"x": 0.2, "y": 1.0}, "m.jpg": {"y": 0.3}}).status_code == 201
    assert client.put("/api/v1/metrics", headers=ident, json={
        "z.jpg": {"impressions": 100, "clicks": 3}, "a&b.jpg": {"ctr": 0.25}}).status_code == 200


def test_the_image_table_lists_names_and_ctrs_in_build_order_and_caches_by_key(client):
    _put_build(client)
    resp = client.get("/api/v1/images?business=b&image_source=s")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-cache"
    body = resp.get_json()
    assert body["images"] == ["a&b.jpg", "m.jpg", "z.jpg"]  # the build's (sorted) image order
    ctr = np.frombuffer(base64.b64decode(body["ctr"]["bdata"]), dtype="<f8")
    assert body["ctr"]["dtype"] == "f8" and ctr[0] == 0.25 and ctr[2] == 3 / 100
    assert np.isnan(ctr[1])
    keyed = client.get(f"/api/v1/images?business=b&image_source=s&key={body['key']}")
    assert keyed.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    again = client.get("/api/v1/images?business=b&image_source=s",
                       headers={"If-None-Match": "W/" + resp.headers["ETag"]})
    assert again.status_code == 304
    # New metrics: a new key, so the browser fetches the new CTRs.
    client.put("/api/v1/metrics", headers={"Business": "b", "Image-Source": "s"},
               json={"m.jpg": {"ctr": 0.5}})
    fresh = client.get("/api/v1/images?business=b&image_source=s").get_json()
    assert fresh["key"] != body["key"]
    assert np.frombuffer(base64.b64decode(fresh["ctr"]["bdata"]), dtype="<f8")[1] == 0.5


def test_the_image_table_gives_ctrs_in_single_precision_when_asked_and_refuses_other_types(
        client):
    _put_build(client)
    exact = client.get("/api/v1/images?business=b&image_source=s")
    single = client.get("/api/v1/images?business=b&image_source=s&ctr=f4")
    body = single.get_json()
    assert body["ctr"]["dtype"] == "f4" and body["images"] == exact.get_json()["images"]
    ctr = np.frombuffer(base64.b64decode(body["ctr"]["bdata"]), dtype="<f4")
    want = np.frombuffer(base64.b64decode(exact.get_json()["ctr"]["bdata"]), dtype="<f8")
    np.testing.assert_array_equal(ctr, want.astype(np.float32))  # NaN where there is none
    # One ETag per representation: a cache holding one never answers 304 for the other.
    assert single.headers["ETag"] != exact.headers["ETag"]
    again = client.get("/api/v1/images?business=b&image_source=s&ctr=f4",
                       headers={"If-None-Match": exact.headers["ETag"]})
    assert again.status_code == 200
    bad = client.get("/api/v1/images?business=b&image_source=s&ctr=f2")
    assert bad.status_code == 400 and "f8, f4" in bad.get_json()["message"]


@pytest.mark.parametrize("url, files", [
    ("sqlite:////srv/dash/db.sqlite3", "/srv/dash/db.sqlite3.builds"),
    ("sqlite:///file:/srv/dash/db.sqlite3?mode=ro&uri=true", "/srv/dash/db.sqlite3.builds"),
    ("sqlite:///file://localhost/srv/dash/db.sqlite3?uri=true", "/srv/dash/db.sqlite3.builds"),
])
def test_build_files_sit_beside_the_sqlite_file_however_its_url_is_spelled(url, files):
    # a URI-form URL once put the files under a directory named "file:" in the working directory
    assert str(Settings(database_url=url).build_files_path()) == files


def test_build_files_of_an_in_memory_database_go_to_the_instance_folder():
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        path = Settings(database_url=url).build_files_path()
        assert path.parts[-2:] == ("instance", "build-files"), url


def test_the_server_runs_blas_on_the_threads_its_settings_give(settings):
    from dataclasses import replace

    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    threadpool_limits(limits=2, user_api="blas")  # as a process starts on this 2-core machine
    assert blas_threads() == {2}
    assert Settings.from_env({}).blas_threads == 1
    create_app(replace(settings, blas_threads=0))  # 0: the library's default is left alone
    assert blas_threads() == {2}
    create_app(replace(settings, blas_threads=1))
    assert blas_threads() == {1}

