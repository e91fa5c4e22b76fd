"""Who may read and write what, without a server: host names against ALLOWED_HOSTS, signed
embed tokens, read scopes, read grants and the one seam every read goes through (on both
database backends)."""

from __future__ import annotations

import time

import jwt
import pytest

from config import Settings
from data.domain.errors import EmbedRefused, MissingDataset, NotReadable
from data.people.access import GuardedCache, ReadScope
from data.people.embed import sign_embed, verify_embed
from data.people.grants import grant, granted_businesses, list_grants, revoke
from data.people.hosts import LOOPBACK_HOSTS, host_allowed, split_host
from data.storage.cache import DatasetCache
from data.storage.db import make_engine, migrate
from data.storage.store import Store
from tests.support.datasets import store_small_dataset

SECRET = "s" * 40


@pytest.mark.parametrize("host, allowed", [
    ("localhost", True), ("localhost:8050", True), ("LOCALHOST:1", True), ("localhost.", True),
    ("127.0.0.1:8050", True), ("[::1]:8050", True), ("[::1]", True),
    ("rebind.attacker.example", False), ("rebind.attacker.example:8050", False),
    ("localhost.attacker.example", False), ("127.0.0.1.nip.io", False), ("", False),
    ("[::2]:8050", False),
])
def test_the_default_hosts_are_the_loopback_names_with_any_port(host, allowed):
    assert host_allowed(host, LOOPBACK_HOSTS) is allowed


def test_allowed_hosts_patterns_name_a_port_a_domain_and_its_subdomains_or_anything():
    allowed = ("dash.example.com:443", ".corp.example", "::1")
    assert host_allowed("dash.example.com:443", allowed)
    assert not host_allowed("dash.example.com:8443", allowed)
    assert not host_allowed("dash.example.com", allowed)  # no port given: not that port
    assert host_allowed("corp.example", allowed) and host_allowed("a.b.corp.example:9", allowed)
    assert not host_allowed("evilcorp.example", allowed)
    assert host_allowed("[::1]:8050", allowed)
    assert host_allowed("anything.example:1", ("*",))
    assert split_host("[::1]:8050") == ("[::1]", "8050")


def test_settings_read_the_access_variables_and_refuse_a_short_embed_secret():
    s = Settings.from_env({"ALLOWED_HOSTS": "Dash.Example.com, .corp", "READ_ACCESS": "Granted",
                           "EMBED_SECRET": SECRET, "MAX_CALLBACK_BYTES": "1000"})
    assert s.allowed_hosts == ("dash.example.com", ".corp") and s.read_access == "granted"
    assert s.embed_secret == SECRET and SECRET not in repr(s) and s.max_callback_bytes == 1000
    assert Settings.from_env({}).allowed_hosts is None
    assert Settings.from_env({}).read_access == "open"
    with pytest.raises(ValueError, match="READ_ACCESS"):
        Settings.from_env({"READ_ACCESS": "closed"})
    with pytest.raises(ValueError, match="at least 32"):
        Settings.from_env({"EMBED_SECRET": "short"})


def test_an_embed_token_carries_its_dataset_and_locked_filters():
    token = sign_embed(SECRET, "Apple Music", "covers/v2 ☕", 5, {"threshold": 0.2,
                                                                  "max_pct": 50, "min_pct": None})
    view = verify_embed(SECRET, token)
    assert (view.business, view.image_source) == ("Apple Music", "covers/v2 ☕")
    assert view.locks == {"threshold": 0.2, "max_pct": 50.0}
    assert 290 <= view.expires_at - time.time() <= 301


@pytest.mark.parametrize("make, code", [
    (lambda: sign_embed(SECRET, "B", "S", 5, now=time.time() - 3600), "embed_expired"),
    (lambda: sign_embed("x" * 40, "B", "S", 5), "embed_invalid"),  # another key: forged
    (lambda: sign_embed(SECRET, "B", "S", 5)[:-3] + "abc", "embed_invalid"),  # tampered
    (lambda: jwt.encode({"business": "B", "image_source": "S", "exp": time.time() + 60}, None,
                        algorithm="none"), "embed_invalid"),  # unsigned
    (lambda: jwt.encode({"business": "B", "exp": time.time() + 60}, SECRET, algorithm="HS256"),
     "embed_invalid"),  # no image source
    (lambda: jwt.encode({"business": "B", "image_source": "S"}, SECRET, algorithm="HS256"),
     "embed_invalid"),  # never expires
    (lambda: jwt.encode({"business": "B", "image_source": "S", "exp": time.time() + 60,
                         "threshold": "0.2"}, SECRET, algorithm="HS256"), "embed_invalid"),
    (lambda: "not-a-token", "embed_invalid"),
])
def test_expired_forged_or_malformed_embed_tokens_are_refused(make, code):
    with pytest.raises(EmbedRefused) as refused:
        verify_embed(SECRET, make())
    assert refused.value.code == code


def test_embed_tokens_are_refused_when_the_server_has_no_secret():
    with pytest.raises(EmbedRefused) as refused:
        verify_embed(None, sign_embed(SECRET, "B", "S", 5))
    assert refused.value.code == "embedding_disabled"


DATASETS = [
    {"business": "A", "is_demo": False, "image_sources": [{"image_source": "s1"},
                                                          {"image_source": "s2"}]},
    {"business": "B", "is_demo": False, "image_sources": [{"image_source": "s1"}]},
]


def test_a_read_scope_shows_its_businesses_or_its_one_image_source_and_fixes_its_locks():
    assert ReadScope.everything().visible(DATASETS) == DATASETS
    assert ReadScope.nothing().visible(DATASETS) == []
    granted = ReadScope(frozenset({"B", "Z"}))
    assert [d["business"] for d in granted.visible(DATASETS)] == ["B"]
    assert granted.allows("B", "anything") and not granted.allows("A", "s1")
    embed = ReadScope.embedded("A", "s2", {"threshold": 0.5})
    assert embed.visible(DATASETS) == [{**DATASETS[0], "image_sources": [{"image_source": "s2"}]}]
    assert embed.allows("A", "s2") and not embed.allows("A", "s1") and not embed.allows("B", "s1")
    assert embed.lock({"business": "A", "threshold": 0.0}) == {"business": "A", "threshold": 0.5}


@pytest.fixture
def store(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield Store(engine)
    engine.dispose()


def test_grants_are_added_once_listed_and_revoked(store):
    engine = store.engine
    assert grant(engine, " alice@example.com ", "Apple Music") is True
    assert grant(engine, "alice@example.com", "Apple Music") is False
    assert grant(engine, "alice@example.com", "Späti / ☕") is True
    assert grant(engine, "bob", "Apple Music") is True
    assert granted_businesses(engine, "alice@example.com") == {"Apple Music", "Späti / ☕"}
    assert [(g["person"], g["business"]) for g in list_grants(engine)] == [
        ("alice@example.com", "Apple Music"), ("alice@example.com", "Späti / ☕"),
        ("bob", "Apple Music")]
    assert revoke(engine, "alice@example.com", "Apple Music") is True
    assert revoke(engine, "alice@example.com", "Apple Music") is False
    assert granted_businesses(engine, "alice@example.com") == {"Späti / ☕"}
    assert granted_businesses(engine, "nobody") == frozenset()
    with pytest.raises(ValueError):
        grant(engine, "  ", "Apple Music")


def test_the_guarded_cache_refuses_unknown_and_forbidden_alike_before_looking(store):
    store_small_dataset(store, "Alpha", "pics")
    store_small_dataset(store, "Beta", "pics")
    scope = ReadScope(frozenset({"Alpha"}))
    cache = GuardedCache(DatasetCache(store), store, lambda: scope)
    assert cache.get("Alpha", "pics").index.n_images == 12
    assert [d["business"] for d in cache.datasets()] == ["Alpha"]
    assert cache.locate("Alpha", "pics") is not None
    refusals = []
    for business in ("Beta", "No such business"):
        for read in (lambda: cache.get(business, "pics"), lambda: cache.locate(business, "pics")):
            with pytest.raises(NotReadable) as refused:
                read()
            refusals.append(refused.value.body())
    assert all(r == refusals[0] for r in refusals) and refusals[0]["error"] == "not_readable"
    with pytest.raises(MissingDataset):
        cache.get("Alpha", None)
    assert GuardedCache(DatasetCache(store), store, ReadScope.nothing).datasets() == []


def test_granted_mode_tells_a_signed_in_person_without_grants_that_nothing_is_shared(
        database_url, caplog):
    from app import create_app

    app = create_app(Settings(database_url=database_url, load_demo=True, read_access="granted",
                              trusted_user_header="X-Forwarded-User"))
    client = app.server.test_client()
    layout = client.get("/_dash-layout", headers={"X-Forwarded-User": "carol"}).text
    assert '"no-access"' in layout and "no business is shared with you yet" in layout
    assert "Demo" not in layout
    create_app(Settings(database_url=database_url, load_demo=False, read_access="granted"))
    assert "without TRUSTED_USER_HEADER" in caplog.text


def test_every_pages_dataset_list_shows_only_what_the_person_may_read(database_url):
    """The dataset pickers of every page (Rate, Compare, People, quality, compare builds,
    history, fixes, thresholds) list businesses through the request's read scope."""
    from app import create_app
    from data.demo import DEMO_BUSINESS
    from tests.support.dash_requests import callback_body, server_callbacks

    app = create_app(Settings(database_url=database_url, load_demo=True, read_access="granted",
                              trusted_user_header="X-Forwarded-User"))
    grant(app.server.extensions["image_dashboard"].store.engine, "ada", DEMO_BUSINESS)
    client = app.server.test_client()
    pickers = [cb for cb in server_callbacks(client.get("/_dash-dependencies").json)
               if ".options" in cb["output"]
               and any(i["property"] == "search" for i in cb.get("inputs", []))]
    assert len(pickers) >= 5  # rate, compare, people, the builds-over-time pages, the picker
    for cb in pickers:
        values = {(i["id"], i["property"]): "" for i in cb.get("inputs", []) + cb.get("state", [])
                  if i["property"] == "search"}
        body = callback_body(cb, values)
        for person, sees in (("carol", False), ("ada", True)):
            resp = client.post("/_dash-update-component", json=body,
                               headers={"X-Forwarded-User": person})
            assert resp.status_code in (200, 204), (cb["output"], resp.status_code)
            assert (DEMO_BUSINESS in resp.get_data(as_text=True)) is sees, (cb["output"], person)
