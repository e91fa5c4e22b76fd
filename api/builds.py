"""Routes for builds and metrics: Jenkins' writes, and the reads of what is stored."""

from __future__ import annotations

import logging
import threading

import orjson
from flask import Blueprint, Response, request

from api.access import admit, authorize, services
from api.errors import ApiError, json_response
from api.request import (CSV_TYPES, JSON_TYPES, build_arg, build_label, float_arg, identity,
                         idempotency, read_body, require_type)
from data.domain.errors import DomainError, InvalidPayload, MalformedBody
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.payloads.json_body import parse_json
from data.payloads.metrics import validate_metrics_csv, validate_metrics_json
from data.stats.features import feature_stats
from data.storage.heap import release_free_memory

log = logging.getLogger(__name__)

builds = Blueprint("builds", __name__)


def _status(created: bool) -> int:
    return 201 if created else 200


def _warm(business: str, source: str) -> None:
    """Build the new cached frame in the background so the next reader does not wait for it."""
    cache = services().cache

    def run():
        try:
            cache.get(business, source)
        except Exception:  # a warm-up failure only means the first reader builds it
            log.exception("Cache warm-up failed for %r / %r", business, source)

    threading.Thread(target=run, daemon=True, name="cache-warm").start()


def _prepare(cache, matrix, business: str, source: str) -> None:
    try:
        cache.prepare(matrix, business, source)
    except Exception:  # only a head start: the first reader of the build computes it instead
        log.exception("Writing the files of a new build of %r / %r failed", business, source)


@builds.after_request
def _return_memory(resp):
    """A delivery's parsed body is freed with the request; hand that heap back to the OS."""
    if request.method == "PUT":
        resp.call_on_close(release_free_memory)
    return resp


def _index_now(business: str, source: str) -> None:
    """Index the current build under the metrics just stored before answering: every worker
    then maps that index when it next reads, so the answers after this PUT carry the new CTRs
    (until then readers are served the previous dataset, never kept waiting)."""
    try:
        services().cache.get(business, source, wait=True)
    except DomainError:
        pass  # no build yet: nothing to index
    except Exception:  # the first reader indexes it instead
        log.exception("Indexing %r / %r after new metrics failed", business, source)


@builds.route("/features", methods=["PUT"], strict_slashes=False)
def put_features():
    """Store a featurizer build; it becomes current. 201 new, 200 identical to current."""
    principal = authorize()
    business, source = identity()
    admit(principal, business)
    require_type(JSON_TYPES, "application/json")
    label = build_label()
    body = read_body(services().settings)
    idem = idempotency("features", business, source, body, label)
    matrix = matrix_from_table(validate_features(parse_json(body)))
    # The build's files are written beside the database write, before it commits: every worker
    # that sees the new build maps them instead of decoding and indexing it.
    files = threading.Thread(target=_prepare, args=(services().cache, matrix, business, source),
                             name="build-files")
    files.start()
    try:
        result = services().store.put_build(business, source, matrix, build_label=label,
                                            idempotency=idem, actor=principal.name)
    finally:
        files.join()
    if result.created:
        _warm(business, source)
    return json_response(result.body, _status(result.created))


@builds.route("/metrics", methods=["PUT"], strict_slashes=False)
def put_metrics():
    """Insert or replace image outcomes (JSON or CSV) for an image source."""
    principal = authorize()
    business, source = identity()
    admit(principal, business)
    mt = require_type(JSON_TYPES + CSV_TYPES, "application/json or text/csv")
    body = read_body(services().settings)
    idem = idempotency("metrics", business, source, body, None)
    if mt in CSV_TYPES:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MalformedBody("bad_encoding",
                                f"The CSV body is not UTF-8 (byte {exc.start}).") from None
        rows = validate_metrics_csv(text)
    else:
        rows = validate_metrics_json(parse_json(body))
    result = services().store.put_metrics(business, source, rows, idempotency=idem,
                                          actor=principal.name)
    _index_now(business, source)
    return json_response(result.body, _status(result.created))


@builds.route("/image-source", methods=["PUT"], strict_slashes=False)
def put_image_source():
    """Set an image source's settings: {"url_template": "https://cdn/{name}.png" or null}."""
    principal = authorize()
    business, source = identity()
    admit(principal, business)
    require_type(JSON_TYPES, "application/json")
    obj = parse_json(read_body(services().settings, services().settings.max_body_bytes))
    if not isinstance(obj, dict) or set(obj) != {"url_template"}:
        raise InvalidPayload("wrong_shape", 'Send {"url_template": "https://host/{name}.png"} '
                                            'or {"url_template": null}.')
    template = obj["url_template"]
    if template is not None and (not isinstance(template, str) or "{name}" not in template):
        raise InvalidPayload("bad_url_template",
                             "url_template must be a string containing {name}, or null.")
    services().store.set_url_template(business, source, template, actor=principal.name)
    return json_response({"business": business, "image_source": source,
                          "url_template": template})


@builds.route("/datasets", methods=["GET"], strict_slashes=False)
def get_datasets():
    return json_response({"businesses": services().store.datasets()})


@builds.route("/features", methods=["GET"], strict_slashes=False)
def get_features():
    """Per-feature statistics (docs/statistics.md) for a build at a threshold and sparsity range."""
    business, source = identity()
    threshold = float_arg("threshold", 0.0)
    min_pct = float_arg("min_pct", 0.0, 0.0, 100.0)
    max_pct = float_arg("max_pct", 100.0, 0.0, 100.0)
    if min_pct > max_pct:
        raise ApiError(400, "bad_parameter", f"min_pct ({min_pct}) is above max_pct ({max_pct}).")
    build_id = build_arg()
    ds = services().cache.get(business, source, build_id)

    def body() -> bytes:
        stats = feature_stats(ds.index, threshold, min_pct, max_pct)
        return orjson.dumps({
            "business": business, "image_source": source, "build": ds.build.id,
            "build_label": ds.build.build_label, "threshold": threshold,
            "min_pct": min_pct, "max_pct": max_pct,
            "images": ds.index.n_images, "images_without_ctr": ds.images_without_ctr,
            "features": stats.records(),
        })

    # A dataset never changes: the same query on it has the same answer.
    return Response(ds.recent(("features", threshold, min_pct, max_pct), body),
                    mimetype="application/json")
