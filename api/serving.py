"""How the page and its files are served: cache rules, revalidation behind proxies that weaken
ETags, no library or Python versions, and 404 for addresses that are no page (docs/deploy.md).

- Fingerprinted files (assets/*?m=<mtime>, _dash-component-suites/…/name.v<…>m<…>.js) never
  change under their address: `Cache-Control: public, max-age=31536000, immutable`, so a second
  page view does not even ask for them.
- Everything else that carries an ETag (Dash's unfingerprinted bundles such as plotly.min.js,
  the layout and dependency lists, which get one here) is `no-cache` and answers 304 to a
  matching If-None-Match in its weak form too: a proxy that gzips (nginx) turns "abc" into
  W/"abc", and Dash compares only the strong form.
- _dash-config and the file addresses carry no versions (Dash, Plotly, Python), and a
  development server's Server header none either.
- An address under the prefix that is no page answers 404 with the page's own not-found view
  (Dash's routes, assets and the API keep their own answers).
- The page does not load Dash's @babel/polyfill bundle (core-js 2 for browsers older than those
  React 18 runs in: ~0.25 s of a first page, and its Promise replaces the browser's own). The one
  part of it Dash's components still call, the regenerator runtime, is
  assets/00-regenerator.min.js (vendor/js/build.js).
"""

from __future__ import annotations

import hashlib
import re

import dash
import dash.dash as dash_module
from flask import request
from werkzeug.http import parse_etags, unquote_etag

IMMUTABLE = "public, max-age=31536000, immutable"
_VERSION_KEYS = ("dash_version", "python_version", "dash_version_url", "ddk_version",
                 "plotly_version")
_ETAG_ROUTES = ("_dash-layout", "_dash-dependencies")
_POLYFILL_SCRIPT = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>\s*')
_build_fingerprint = dash_module.build_fingerprint


def _fingerprint_without_version(path, version, hash_value):
    """Dash names a bundle `<name>.v<package version>m<mtime>.js`; the version becomes a digest,
    which busts caches as well without telling anyone which version runs."""
    digest = hashlib.sha256(str(version).encode()).hexdigest()[:10]
    return _build_fingerprint(path, digest, hash_value)


def install(app: dash.Dash, page_exists) -> None:
    """Apply the rules above to `app`; `page_exists(path)` says whether a browser path (with the
    prefix) is one of the pages."""
    server = app.server
    prefix = app.config.routes_pathname_prefix
    catch_all = prefix + "<path:path>"
    assets = prefix + app.config.assets_url_path.lstrip("/").rstrip("/") + "/"
    suites = prefix + "_dash-component-suites/"
    etag_routes = {prefix + name for name in _ETAG_ROUTES}

    dash_module.build_fingerprint = _fingerprint_without_version
    config = app._config

    def config_without_versions():
        return {k: v for k, v in config().items() if k not in _VERSION_KEYS}

    app._config = config_without_versions

    interpolate_index = app.interpolate_index

    def index_without_polyfill(**kwargs):
        kwargs["scripts"] = _POLYFILL_SCRIPT.sub("", kwargs["scripts"])
        return interpolate_index(**kwargs)

    app.interpolate_index = index_without_polyfill

    @server.after_request
    def _serving_rules(resp):
        if (request.environ.get("SERVER_SOFTWARE") or "").startswith("Werkzeug"):
            resp.headers["Server"] = "image-dashboard"  # not "Werkzeug/x.y Python/x.y"
        if request.method not in ("GET", "HEAD"):
            return resp
        path = request.path
        if request.endpoint == catch_all and not page_exists(path):
            resp.status_code = 404
            resp.headers["Cache-Control"] = "no-store"
            return resp
        if resp.status_code != 200:
            return resp
        if _fingerprinted(path, assets, suites):
            resp.headers["Cache-Control"] = IMMUTABLE
            return resp
        if path in etag_routes and not resp.is_streamed and resp.get_etag()[0] is None:
            resp.set_etag(hashlib.sha256(resp.get_data()).hexdigest()[:32])
        if resp.get_etag()[0] is not None:
            if path.startswith(suites) or path in etag_routes:
                resp.headers["Cache-Control"] = "no-cache"
            return _not_modified_if_weakly_matched(resp)
        return resp


def _fingerprinted(path: str, assets: str, suites: str) -> bool:
    if path.startswith(assets):
        return "m" in request.args
    if path.startswith(suites):
        return dash.fingerprint.check_fingerprint(path)[1]
    return False


def _not_modified_if_weakly_matched(resp):
    """304 when If-None-Match names this ETag, strong or weak (RFC 9110 13.1.2: If-None-Match
    uses the weak comparison)."""
    wanted = request.headers.get("If-None-Match")
    if not wanted:
        return resp
    tag, _weak = unquote_etag(resp.headers["ETag"])
    if not parse_etags(wanted).contains_weak(tag):
        return resp
    resp.status_code = 304
    resp.set_data(b"")
    for header in ("Content-Length", "Content-Type", "Content-Encoding"):
        resp.headers.pop(header, None)
    return resp
