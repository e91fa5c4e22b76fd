"""The Image Model Dashboard: a Dash app whose Flask server also carries the HTTP API.

`python app.py` serves it; `app:server` is the WSGI entry point (gunicorn).
"""

from __future__ import annotations

import logging

import dash

from config import Settings
from data.cache import DatasetCache
from data.db import make_engine, migrate
from data.loader import load_demo
from data.store import Store
from ingest_server import Services, register

log = logging.getLogger("image_dashboard")


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the app: database (migrated), store, cache, API routes, page."""
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = Store(engine)
    if settings.load_demo and store.is_empty():
        load_demo(store)
        log.info("Loaded the generated demo dataset into an empty database.")
    svc = Services(settings, store, DatasetCache(store))

    app = dash.Dash(
        __name__,
        url_base_pathname=settings.url_prefix,
        # Bootstrap's CSS is served from assets/00-bootstrap.min.css (loaded first): a CDN
        # link fails, with a console error, wherever the server or the browser is offline.
        external_stylesheets=[],
        title="Image Model Dashboard",
        suppress_callback_exceptions=True,
        update_title=None,
    )
    register(app.server, svc)
    _security_headers(app.server, settings)

    from callbacks import register_callbacks
    from layouts import page

    app.layout = page.layout
    register_callbacks(app, svc)
    return app


def _security_headers(server, settings: Settings) -> None:
    @server.after_request
    def _headers(resp):
        resp.headers["Content-Security-Policy"] = f"frame-ancestors {settings.frame_ancestors}"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp


_default_app: dash.Dash | None = None


def __getattr__(name: str):
    """`app` and `server` (the WSGI entry point) are built from the environment on first use,
    so importing create_app (tests, tools) does not open the default database."""
    global _default_app
    if name in ("app", "server"):
        if _default_app is None:
            logging.basicConfig(level=logging.INFO,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            _default_app = create_app()
        return _default_app if name == "app" else _default_app.server
    raise AttributeError(name)


if __name__ == "__main__":
    dash_app = __getattr__("app")
    s = dash_app.server.extensions["image_dashboard"].settings
    dash_app.run(host=s.host, port=s.port, debug=s.debug)
