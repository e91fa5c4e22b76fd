"""Command line for data scientists without Jenkins: load files, pull a build from a URL, list.

    python cli.py load  --business B --image-source S --features f.json [--metrics m.csv]
                        (--features f.parquet or f.ndjson: by suffix, docs/ingest-formats.md)
    python cli.py pull  URL --business B --image-source S [--metrics m.csv]
    python cli.py list
    python cli.py demo
    python cli.py url-template --business B --image-source S 'https://cdn/{name}.png'
    python cli.py token create --name jenkins-music --business "Apple Music"   (prints it once)
    python cli.py token list
    python cli.py token revoke jenkins-music
    python cli.py grant alice@example.com "Apple Music"      (READ_ACCESS=granted)
    python cli.py revoke alice@example.com "Apple Music"
    python cli.py grants
    python cli.py embed-url --business B --image-source S --minutes 60 [--threshold 0.2]
        [--min-pct 1] [--max-pct 50] [--base-url https://dash.example.com/tools/images/]
    python cli.py prune --keep 5 [--dry-run]   (older builds of every image source; never the current)
    python cli.py delete-business NAME [--yes]

Uses the same database as the server (DATABASE_URL) and the same validation as the API. Writes
are recorded in the audit trail as "cli:<user>".
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from config import Settings
from data.people.embed import sign_embed
from data.people.grants import grant, list_grants, revoke
from data.people.tokens import create_token, list_tokens, revoke_token
from data.storage.db import make_engine, migrate
from data.storage.heap import ingest_memory
from data.storage.loader import (load_demo, read_features_bytes, read_features_file,
                                 read_metrics_file)
from data.domain.errors import DomainError
from data.stats.quality_gate import QualityGate
from data.storage.cache import DatasetCache
from data.storage.over_time import quality_check
from data.domain.names import dataset_name_problem
from data.storage.store import Store


def cli_actor() -> str:
    """The audit trail's name for writes made from this command line: cli:<user>."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container's numeric user)
        user = f"uid{os.getuid()}"
    return f"cli:{user}"[:200]


def dataset_name(value: str) -> str:
    """An argparse type: a business or image-source name by the API's rules
    (data/domain/names.py), so the command line cannot store a name the API would refuse."""
    problem = dataset_name_problem(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"the name {problem[1]}")
    return value


def _store() -> Store:
    engine = make_engine(Settings.from_env().database_url)
    migrate(engine)
    return Store(engine)


def _put_build(store: Store, args: argparse.Namespace, matrix) -> dict:
    """Store a build with the server's quality checks (QUALITY_LIMITS, REJECT_ON_ALARM), as
    PUT /api/v1/features does; its `warnings` are printed with the answer."""
    settings = Settings.from_env()
    gate = QualityGate(settings.quality_limits, settings.reject_on_alarm)
    return store.put_build(args.business, args.image_source, matrix, build_label=args.build_id,
                           actor=cli_actor(),
                           check=quality_check(gate, matrix, DatasetCache(store))).body


def _print(obj: object) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def cmd_load(args: argparse.Namespace) -> None:
    store = _store()
    if args.features:
        with ingest_memory():  # as the server reads a build (data/storage/heap.py)
            matrix = read_features_file(Path(args.features),
                                        Settings.from_env().parallel_parse_bytes)
            _print(_put_build(store, args, matrix))
    if args.metrics:
        _print(store.put_metrics(args.business, args.image_source,
                                 read_metrics_file(Path(args.metrics)), actor=cli_actor()).body)


def cmd_pull(args: argparse.Namespace) -> None:
    """GET a build from a URL that answers with the features JSON for the identity headers."""
    req = urllib.request.Request(args.url, headers={
        "Business": args.business.encode().decode("latin-1"),
        "Image-Source": args.image_source.encode().decode("latin-1"),
        "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=args.timeout) as resp:
            raw = resp.read()
    except urllib.error.URLError as exc:
        raise SystemExit(f"error: could not GET {args.url}: {exc}") from None
    store = _store()
    with ingest_memory():
        matrix = read_features_bytes(raw, Settings.from_env().parallel_parse_bytes)
        _print(_put_build(store, args, matrix))
    if args.metrics:
        _print(store.put_metrics(args.business, args.image_source,
                                 read_metrics_file(Path(args.metrics)), actor=cli_actor()).body)


def cmd_list(_args: argparse.Namespace) -> None:
    _print(_store().datasets())


def cmd_demo(args: argparse.Namespace) -> None:
    _print(load_demo(_store(), n_images=args.images).body)


def cmd_url_template(args: argparse.Namespace) -> None:
    template = None if args.template in ("", "none") else args.template
    if template is not None and "{name}" not in template:
        raise SystemExit("error: the template must contain {name}, e.g. https://cdn/{name}.png")
    _store().set_url_template(args.business, args.image_source, template, actor=cli_actor())
    print(f"url template of {args.business!r} / {args.image_source!r}: {template}")


def cmd_token(args: argparse.Namespace) -> None:
    store = _store()
    if args.token_command == "create":
        try:
            token = create_token(store.engine, args.name, args.business)
        except ValueError as exc:
            raise SystemExit(f"error: {exc}") from None
        print(token)
        print(f"Token {args.name!r} writes business {args.business!r}. It is shown only now: "
              "store it as a Jenkins secret. Revoke with `python cli.py token revoke "
              f"{args.name}`.", file=sys.stderr)
    elif args.token_command == "list":
        _print(list_tokens(store.engine))
    elif not revoke_token(store.engine, args.name):
        raise SystemExit(f"error: no active token named {args.name!r} (see `cli.py token list`)")
    else:
        print(f"revoked {args.name!r}")


def cmd_grant(args: argparse.Namespace) -> None:
    store = _store()
    try:
        added = grant(store.engine, args.person, args.business)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"{args.person!r} reads {args.business!r}" + ("" if added else " (already granted)"))
    if args.business.strip() not in {d["business"] for d in store.datasets()}:
        print(f"note: there is no business {args.business!r} yet; the grant applies once it "
              "exists (names must match exactly)", file=sys.stderr)


def cmd_revoke(args: argparse.Namespace) -> None:
    try:
        removed = revoke(_store().engine, args.person, args.business)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    if not removed:
        raise SystemExit(f"error: {args.person!r} had no grant for {args.business!r} "
                         "(see `cli.py grants`)")
    print(f"{args.person!r} no longer reads {args.business!r}")


def cmd_grants(_args: argparse.Namespace) -> None:
    _print(list_grants(_store().engine))


def cmd_embed_url(args: argparse.Namespace) -> None:
    """Print a signed link that shows one dataset (docs/people.md "Signed embedding")."""
    settings = Settings.from_env()
    if not settings.embed_secret:
        raise SystemExit("error: set EMBED_SECRET (the same value as the server's) to sign "
                         "embed links")
    if _store().locate(args.business, args.image_source) is None:
        raise SystemExit(f"error: no image source {args.image_source!r} for business "
                         f"{args.business!r} (see `cli.py list`)")
    locks = {"threshold": args.threshold, "min_pct": args.min_pct, "max_pct": args.max_pct}
    try:
        token = sign_embed(settings.embed_secret, args.business, args.image_source,
                           args.minutes, locks)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    base = args.base_url or f"http://{settings.host}:{settings.port}{settings.url_prefix}"
    print(f"{base.rstrip('/')}/?embed={token}")
def cmd_prune(args: argparse.Namespace) -> None:
    pruned = _store().prune_builds(args.keep, actor=cli_actor(), dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    for p in pruned:
        print(f"{p['business']!r} / {p['image_source']!r}: {verb} {len(p['deleted'])} "
              f"build(s) {p['deleted']}, kept {p['kept']}")
    total = sum(len(p["deleted"]) for p in pruned)
    print(f"{verb} {total} build(s) in {len(pruned)} image source(s); the {args.keep} newest "
          "build(s) of each image source, and its current build, are kept."
          + (" Run again without --dry-run to delete." if args.dry_run and total else ""))


def cmd_delete_business(args: argparse.Namespace) -> None:
    store = _store()
    entry = next((d for d in store.datasets() if d["business"] == args.name), None)
    if entry is None:
        raise SystemExit(f"error: no business named {args.name!r} (see `cli.py list`)")
    n_builds = sum(len(src["builds"]) for src in entry["image_sources"])
    what = (f"business {args.name!r}: {len(entry['image_sources'])} image source(s), "
            f"{n_builds} build(s) and their metrics")
    if not args.yes:
        if not sys.stdin.isatty():
            raise SystemExit(f"error: this deletes {what}. Add --yes to confirm.")
        answer = input(f"Delete {what}? Type the business name to confirm: ")
        if answer != args.name:
            raise SystemExit("Nothing deleted.")
    removed = store.delete_business(args.name, actor=cli_actor())
    if removed is None:
        raise SystemExit(f"error: business {args.name!r} was deleted meanwhile")
    print(f"deleted business {args.name!r}: {removed['image_sources']} image source(s), "
          f"{removed['builds']} build(s). Its tokens stay until revoked "
          "(`cli.py token list`).")


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("keep at least 1 build (the current one)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def identity(p: argparse.ArgumentParser) -> None:
        p.add_argument("--business", required=True, type=dataset_name)
        p.add_argument("--image-source", required=True, type=dataset_name)

    p = sub.add_parser("load", help="load a features JSON and/or a metrics CSV/JSON from disk")
    identity(p)
    p.add_argument("--features", help="features JSON {image: {feature: value}}, or .parquet / "
                                       ".ndjson (docs/ingest-formats.md)")
    p.add_argument("--metrics", help="metrics .csv (image,impressions,clicks | image,ctr) or .json")
    p.add_argument("--build-id", help="label stored with the build (like Jenkins' Build-Id)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("pull", help="GET a features JSON from a URL (Business/Image-Source headers)")
    p.add_argument("url")
    identity(p)
    p.add_argument("--metrics")
    p.add_argument("--build-id")
    p.add_argument("--timeout", type=float, default=300)
    p.set_defaults(func=cmd_pull)

    sub.add_parser("list", help="list businesses, image sources and builds").set_defaults(func=cmd_list)

    p = sub.add_parser("demo", help="load the generated demo dataset")
    p.add_argument("--images", type=int, default=659)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("url-template", help="set the picture URL template of an image source")
    identity(p)
    p.add_argument("template", help="e.g. https://cdn.example.com/{name}.png, or 'none' to clear")
    p.set_defaults(func=cmd_url_template)

    p = sub.add_parser("token", help="create, list or revoke business-scoped ingest tokens")
    tokens = p.add_subparsers(dest="token_command", required=True)
    t = tokens.add_parser("create", help="create a token for one business; prints it once")
    t.add_argument("--name", required=True, help="who uses it, e.g. jenkins-music (shown in the audit)")
    t.add_argument("--business", required=True, type=dataset_name)
    tokens.add_parser("list", help="names, businesses, dates (never the tokens)")
    t = tokens.add_parser("revoke", help="revoke a token at once")
    t.add_argument("name")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("grant", help="let a person read a business (READ_ACCESS=granted)")
    p.add_argument("person", help="the name the sign-on proxy sends (TRUSTED_USER_HEADER)")
    p.add_argument("business")
    p.set_defaults(func=cmd_grant)
    p = sub.add_parser("revoke", help="take a business away from a person at once")
    p.add_argument("person")
    p.add_argument("business")
    p.set_defaults(func=cmd_revoke)
    sub.add_parser("grants", help="list who reads which business").set_defaults(func=cmd_grants)

    p = sub.add_parser("embed-url", help="print a signed link showing one dataset (EMBED_SECRET)")
    identity(p)
    p.add_argument("--minutes", type=float, default=60, help="how long the link works (60)")
    p.add_argument("--threshold", type=float, help="lock the confidence threshold")
    p.add_argument("--min-pct", type=float, help="lock the sparsity range's lower end (%%)")
    p.add_argument("--max-pct", type=float, help="lock the sparsity range's upper end (%%)")
    p.add_argument("--base-url", help="the server as viewers reach it, with its prefix "
                                      "(default http://HOST:PORT/URL_PREFIX)")
    p.set_defaults(func=cmd_embed_url)
    p = sub.add_parser("prune", help="delete old builds of every image source (never the current)")
    p.add_argument("--keep", type=_at_least_one, required=True,
                   help="builds to keep per image source, newest first (the current always stays)")
    p.add_argument("--dry-run", action="store_true", help="say what would go; delete nothing")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("delete-business", help="delete a business and everything under it")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="confirm without asking")
    p.set_defaults(func=cmd_delete_business)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "load" and not (args.features or args.metrics):
        print("error: give --features and/or --metrics", file=sys.stderr)
        return 2
    try:
        args.func(args)
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for d in exc.details:
            print(f"  - {d}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
