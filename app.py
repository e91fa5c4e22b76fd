"""The Image Model Dashboard: a Dash app whose Flask server also carries the HTTP API.

`python app.py` serves it; `app:server` is the WSGI entry point (gunicorn). `create_app` composes
the parts: settings → database → store → services, handed to the API (ingest_server.py) and to
every page's callbacks (pages.py).
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

import dash
from flask import has_request_context, request

from api import compression, security, serving
from api.access import read_scope
from api.people import current_person
from api.proxy import TrustedProxies
from callbacks import envelope
from callbacks import shell as shell_callbacks
from config import Settings
from data.domain.errors import DatabaseUnavailable
from data.storage.db import make_engine, migrate
from data.storage.loader import load_demo
from data.storage.store import Store
from ingest_server import register
from layouts.access import no_access
from layouts.dashboard import page as dashboard_page
from layouts.shell import embedded, not_found, shell
from pages import PAGES, page_for
from services import Services

log = logging.getLogger("image_dashboard")

INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the app: database (migrated), store, services, API routes, pages."""
    settings = settings or Settings.from_env()
    limit_blas_threads(settings.blas_threads)
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = Store(engine)
    if settings.load_demo and store.is_empty():
        load_demo(store)
        log.info("Loaded the generated demo dataset into an empty database.")
    services = Services.build(settings, store, read_scope)

    app = dash.Dash(
        __name__,
        url_base_pathname=settings.url_prefix,
        # Bootstrap's CSS is served from assets/00-bootstrap.min.css (loaded first): a CDN
        # link fails, with a console error, wherever the server or the browser is offline.
        external_stylesheets=[],
        title="Image Model Dashboard",
        suppress_callback_exceptions=True,
        update_title=None,
        index_string=INDEX_STRING,
        on_error=envelope.on_error,  # a callback that raises answers 400, not 500
    )
    if settings.compress:  # first: its hook runs after every other one (Flask runs them last-in)
        compression.install(app.server, settings.url_prefix)
    register(app.server, services)
    if settings.read_access == "granted" and not settings.trusted_user_header:
        log.warning("READ_ACCESS=granted without TRUSTED_USER_HEADER: pages show nobody "
                    "anything (only a sign-on proxy's name is believed); the API reads with "
                    "tokens and signed embed links still work.")

    prefix = settings.url_prefix
    serving.install(app, lambda path: page_for(path, prefix) is not None)
    app.server.wsgi_app = TrustedProxies(app.server.wsgi_app, settings.trusted_proxies)
    app.layout = lambda: _first_view(services)
    shell_callbacks.register(app, services, lambda pathname: page_for(pathname, prefix))
    for page in PAGES:
        page.register_callbacks(app, services)
    security.install(app)  # after the pages: the CSP hashes every inline script they register
    # After security: its body cap refuses an oversized callback body before this reads it.
    envelope.register(app)
    return app


def limit_blas_threads(threads: int) -> None:
    """Run numpy's and scipy's BLAS/LAPACK on `threads` threads in this process (0: leave the
    library's default). The page's products are small (a 31-column model over a few thousand
    presence patterns): with one thread per core, OpenBLAS' threads wait for each other on a
    busy machine and the render callback at 1M images took 1.6x as long (p95 329 vs 208 ms)."""
    if threads > 0:
        import scipy.linalg  # noqa: F401  (loads scipy's own BLAS, so that it is limited too)
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")


def _first_view(services: Services):
    """The layout Dash serves on load: the shell with the page of the address the browser is on
    already inside (the layout request's Referer), so the first view needs no routing round.
    A signed embed link gets the dashboard alone (no navigation, no selectors); a person the
    granted mode does not know gets an explanation and nothing else."""
    prefix = services.settings.url_prefix
    if not has_request_context():
        return shell(PAGES, prefix, None, None, None)
    scope = read_scope()
    if scope.is_embed:
        return embedded(dashboard_page.layout(services, locks=scope.locks))
    if services.settings.read_access == "granted" and not scope.sees_everything \
            and not scope.businesses:
        return no_access(current_person(), services.settings.trusted_user_header)
    page, content = None, None
    if request.referrer:
        try:
            path = urlsplit(request.referrer).path
        except ValueError:  # not a URL (e.g. "http://[::1"): route in the browser instead
            path = None
        if path is not None:
            page = page_for(path, prefix)
            content = page.layout(services) if page is not None else not_found(prefix)
    return shell(PAGES, prefix, page, content, current_person())


_default_app: dash.Dash | None = None


def __getattr__(name: str):
    """`app` and `server` (the WSGI entry point) are built from the environment on first use,
    so importing create_app (tests, tools) does not open the default database."""
    global _default_app
    if name in ("app", "server"):
        if _default_app is None:
            logging.basicConfig(level=logging.INFO,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
            try:
                _default_app = create_app()
            except DatabaseUnavailable as exc:
                # What is wrong in one line, not a traceback. Exit code 4 is gunicorn's "app
                # failed to load": its master stops instead of restarting workers forever.
                print(f"error: {exc.message}", file=sys.stderr, flush=True)
                raise SystemExit(4) from None
        return _default_app if name == "app" else _default_app.server
    raise AttributeError(name)


# `python app.py` serves with this many threads in one process: enough for reads to go on while
# a build is being stored, few enough that 16 concurrent viewers do not fight over the GIL
# (docs/deploy.md: beyond that, gunicorn with one worker per core).
SERVER_THREADS = 4


def serve(settings: Settings) -> None:
    """`python app.py`: one process on HOST:PORT. Gunicorn's threaded worker (a fixed pool of
    SERVER_THREADS; idle keep-alive connections hold no thread) where it exists; Werkzeug's
    development server with DASH_DEBUG=1 or where gunicorn cannot run (Windows)."""
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # no gunicorn on this platform
        BaseApplication = None
    if settings.debug or BaseApplication is None:
        __getattr__("app").run(host=settings.host, port=settings.port, debug=settings.debug)
        return

    class OneProcess(BaseApplication):
        def load_config(self):
            for name, value in {
                "bind": f"{settings.host}:{settings.port}", "workers": 1,
                "worker_class": "gthread", "threads": SERVER_THREADS,
                "timeout": 600, "graceful_timeout": 10, "accesslog": "-",
                "control_socket_disable": True,
            }.items():
                if name in self.cfg.settings:
                    self.cfg.set(name, value)

        def load(self):
            return __getattr__("server")

    OneProcess().run()


if __name__ == "__main__":
    serve(Settings.from_env())
