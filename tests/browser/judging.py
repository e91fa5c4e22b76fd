"""What the browser tests of the judging pages share: a picture server where some pictures are
missing (404), a small image source loaded through the API, the keyboard, and the name bar."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlencode

import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from app import create_app
from config import Settings
from data.storage.db import make_engine
from data.storage.judgements import JudgementStore
from data.storage.store import Store
from layouts.shell import shell_ids
from tests.support.ports import free_port

BUSINESS, SOURCE = "Judge Co", "covers/2026"
# A 1x1 PNG: what every picture that exists looks like.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
                       "WjR9awAAAABJRU5ErkJggg==")


class PictureServer:
    """Serves /<name>.png for the names it has, 404 for the rest (a broken picture)."""

    def __init__(self, names: set[str]):
        names = set(names)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                name = unquote(self.path.lstrip("/"))[:-len(".png")]
                if name in names:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(PNG)))
                    self.end_headers()
                    self.wfile.write(PNG)
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{{name}}.png"

    def __enter__(self) -> "PictureServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def start(dash_duo, database_url: str, features: dict, url_template: str | None) -> None:
    """The real app (no demo) with one image source of `features`, loaded through its API."""
    app = create_app(Settings(database_url=database_url, load_demo=False))
    dash_duo.start_server(app, port=free_port())
    api = dash_duo.server_url + "/api/v1/"
    ident = {"Business": BUSINESS, "Image-Source": SOURCE}
    assert requests.put(api + "features", json=features, headers=ident).status_code == 201
    if url_template is not None:
        assert requests.put(api + "image-source", json={"url_template": url_template},
                            headers=ident).status_code == 200


def open_page(dash_duo, path: str) -> None:
    dash_duo.wait_for_page(dash_duo.server_url + "/" + path + "?" + urlencode(
        {"business": BUSINESS, "image_source": SOURCE}))
    dash_duo.driver.execute_script("document.documentElement.style.scrollBehavior = 'auto'")


def say_my_name(dash_duo, name: str) -> None:
    """Type a name in the navigation bar and press Enter, then Tab out of the field (keys
    typed into a field are the field's, not the page's)."""
    field = dash_duo.wait_for_element(f"#{shell_ids.WHO_NAME}")
    field.send_keys(name + Keys.ENTER)
    dash_duo.wait_for_contains_text(f"#{shell_ids.WHO_NOTE}", f"stored as {name}")
    field.send_keys(Keys.TAB)


def press(dash_duo, key: str) -> None:
    """Press one key on the page, as a person would (no element clicked)."""
    ActionChains(dash_duo.driver).send_keys(key).perform()


def stored(database_url: str) -> tuple:
    """(judgement store, image source id) of the test's image source, read straight from the
    database the page writes to."""
    store = Store(make_engine(database_url))
    return JudgementStore(store), store.locate(BUSINESS, SOURCE).id
