"""What every request and response of the app goes through, pages and API alike:

- the Dash callback route's body is capped (MAX_CALLBACK_BYTES) before it is read;
- API writes must name an allowed host (ALLOWED_HOSTS, api/hosts.py);
- a signed embed link that is expired or forged gets a 403 page (and the page's own requests
  carrying it a 403), before anything is rendered;
- every response carries the Content-Security-Policy, Referrer-Policy and nosniff headers.
"""

from __future__ import annotations

import html
import io

import dash
from flask import Response, request

from api.access import is_api_request
from api.embedding import embed_token, request_embed
from api.hosts import require_allowed_host_for_api
from data.domain.errors import EmbedRefused

CALLBACK_ROUTE = "_dash-update-component"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def content_security_policy(script_hashes: list[str], frame_ancestors: str) -> str:
    """The page's CSP. Scripts: this server's files and the hashes of Dash's inline renderer
    start-up and inline clientside callbacks (its `_dash-config` script is JSON data, never
    run); 'unsafe-eval' because plotly.js's WebGL scatter (regl) compiles code with `new
    Function` when the pointer hovers it (without it, hovering the scatter is a CSP violation
    in plotly.js and draws no line). Styles: inline ones
    too (plotly.js and the components insert <style> elements). Pictures: any host, since an
    image source's URL template may name any CDN."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes, "'unsafe-eval'"]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob: https: http:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "worker-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": frame_ancestors,
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install(app: dash.Dash) -> None:
    """Attach the checks and headers to `app`'s server (after every callback is registered:
    the CSP hashes Dash's inline scripts)."""
    server = app.server
    settings = server.extensions["image_dashboard"].settings
    callback_path = settings.url_prefix + CALLBACK_ROUTE
    csp = content_security_policy(list(app.csp_hashes()), settings.frame_ancestors)

    def _cap_callback_body():
        # Dash reads the whole body with request.get_json(), and so does the envelope check
        # (callbacks/envelope.py): refuse a large one unread, before either.
        if request.path != callback_path:
            return None
        limit = settings.max_callback_bytes
        if request.content_length is None:  # chunked: read at most the limit, then decide
            body = read_at_most(request.environ, limit)
            if body is None:
                return callback_too_large(limit)
            request.environ["wsgi.input"] = io.BytesIO(body)
            request.environ["CONTENT_LENGTH"] = str(len(body))
        elif request.content_length > limit:
            return callback_too_large(limit)
        return None

    server.before_request_funcs.setdefault(None, []).insert(0, _cap_callback_body)

    @server.before_request
    def _writes_name_an_allowed_host():
        if request.method not in SAFE_METHODS and is_api_request():
            require_allowed_host_for_api()

    @server.before_request
    def _embed_link_is_valid():
        if is_api_request() or embed_token() is None:
            return None
        try:
            request_embed(settings.embed_secret)
        except EmbedRefused as exc:
            if request.path.startswith(settings.url_prefix + "_dash-"):
                return Response(exc.message, 403, mimetype="text/plain")
            return refused_page(exc.message)
        return None

    @server.after_request
    def _headers(resp):
        resp.headers["Content-Security-Policy"] = csp
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


def read_at_most(environ: dict, limit: int) -> bytes | None:
    """The whole body of a request without Content-Length, or None when it is over `limit`
    bytes (then no more than limit + 1 bytes were read). Only servers that end such a stream
    themselves (wsgi.input_terminated: gunicorn, Werkzeug) have one; otherwise it is empty."""
    if not environ.get("wsgi.input_terminated"):
        return b""
    stream, pieces, size = environ["wsgi.input"], [], 0
    while piece := stream.read(min(1 << 16, limit + 1 - size)):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return None
    return b"".join(pieces)


def callback_too_large(limit: int) -> Response:
    return Response(f"This request's body is over the {limit:,}-byte limit of the page's "
                    "callbacks (MAX_CALLBACK_BYTES).", 413, mimetype="text/plain")


def refused_page(message: str) -> Response:
    """The 403 page of a signed embed link that is not accepted: says why, shows nothing else."""
    body = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Embedded view unavailable</title></head>"
            "<body style=\"font-family: system-ui, sans-serif; margin: 2rem; color: #333\">"
            f"<h1 style=\"font-size: 1.2rem\">This view is not available</h1><p>{html.escape(message)}</p>"
            "</body></html>")
    resp = Response(body, 403, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp
