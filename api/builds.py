"""Routes for builds and metrics: Jenkins' writes, and the reads of what is stored."""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote

import orjson
from flask import Blueprint, Response, request

from api.access import admit, authorize, services
from api.errors import ApiError, json_response
from api.request import (CSV_TYPES, JSON_TYPES, NDJSON_TYPES, PARQUET_TYPES, build_arg,
                         build_label, choice_arg, declared_codec, flag_arg, float_arg, identity,
                         idempotency, metrics_arg, read_body, require_type, single_arg, storable)
from data.domain.errors import DomainError, InvalidPayload
from data.domain.matrix import matrix_from_table
from data.payloads.charset import decode_text, json_utf8
from data.payloads.columnar import features_from_ndjson, features_from_parquet
from data.payloads.duplicates import reject_repeated_keys_exactly
from data.payloads.features import features_from_json
from data.payloads.json_body import parse_json
from data.payloads.metrics import metrics_from_json, validate_metrics_csv
from data.domain.filters import DEFAULT_OUTCOME, OUTCOMES, WEIGHTS
from data.stats.table_csv import features_csv, features_csv_filename
from data.stats.view import adjusted_for, records_with_adjusted, stats_for
from data.stats.quality_gate import QualityGate
from data.storage.heap import ingest_memory, release_free_memory
from data.storage.over_time import delivery_body, quality_check
from data.domain.filters import DEFAULT_THRESHOLD_MODE, THRESHOLD_MODES

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
    mt = require_type(JSON_TYPES + PARQUET_TYPES + NDJSON_TYPES,
                      "application/json, application/vnd.apache.parquet or application/x-ndjson")
    codec = declared_codec()
    label = build_label()
    # Each stage of the ingest reuses the memory the stage before it freed (data/storage/heap.py).
    with ingest_memory():
        result = _store_features(mt, codec, label, business, source, principal.name)
    if result.created:
        _warm(business, source)
    return json_response(result.body, _status(result.created))


def _store_features(mt: str, codec: str, label, business: str, source: str, actor: str):
    """Read the request's body as a build (any accepted format), check it and store it."""
    settings = services().settings
    body = read_body(settings)
    idem = idempotency("features", business, source, body, label)
    if mt in PARQUET_TYPES:
        table = features_from_parquet(body)
    elif mt in NDJSON_TYPES:
        table = features_from_ndjson(json_utf8(body, codec), settings.parallel_parse_bytes)
    else:
        table = features_from_json(json_utf8(body, codec), settings.parallel_parse_bytes)
    del body  # a million-image body is hundreds of MB: not kept while the matrix is built
    matrix = matrix_from_table(table)
    del table
    gate = QualityGate(settings.quality_limits, settings.reject_on_alarm)
    # The build's files are written beside the database write, before it commits: every worker
    # that sees the new build maps them instead of decoding and indexing it.
    files = threading.Thread(target=_prepare, args=(services().cache, matrix, business, source),
                             name="build-files")
    files.start()
    try:
        return services().store.put_build(business, source, matrix, build_label=label,
                                          idempotency=idem, actor=actor,
                                          check=quality_check(gate, matrix, services().cache))
    finally:
        files.join()


@builds.route("/metrics", methods=["PUT"], strict_slashes=False)
def put_metrics():
    """Insert or replace image outcomes (JSON or CSV) for an image source."""
    principal = authorize()
    business, source = identity()
    admit(principal, business)
    mt = require_type(JSON_TYPES + CSV_TYPES, "application/json or text/csv")
    codec = declared_codec()
    body = read_body(services().settings)
    idem = idempotency("metrics", business, source, body, None)
    if mt in CSV_TYPES:
        rows = validate_metrics_csv(decode_text(body, codec))
    else:
        rows = metrics_from_json(json_utf8(body, codec))
    del body  # the parsed rows are all that is needed from here on
    result = services().store.put_metrics(business, source, rows, idempotency=idem,
                                          actor=principal.name)
    del rows  # a million rows (~0.3 GB) are not kept while the new outcomes are indexed
    _index_now(business, source)
    return json_response(result.body, _status(result.created))


@builds.route("/image-source", methods=["PUT"], strict_slashes=False)
def put_image_source():
    """Set an image source's settings: {"url_template": "https://cdn/{name}.png" or null}."""
    principal = authorize()
    business, source = identity()
    admit(principal, business)
    require_type(JSON_TYPES, "application/json")
    codec = declared_codec()
    raw = json_utf8(read_body(services().settings, services().settings.max_body_bytes), codec)
    obj = parse_json(raw)
    if not isinstance(obj, dict) or set(obj) != {"url_template"}:
        raise InvalidPayload("wrong_shape", 'Send {"url_template": "https://host/{name}.png"} '
                                            'or {"url_template": null}.')
    reject_repeated_keys_exactly(raw, ("field",))
    template = obj["url_template"]
    if template is not None and (not isinstance(template, str) or "{name}" not in template):
        raise InvalidPayload("bad_url_template",
                             "url_template must be a string containing {name}, or null.")
    if template is not None:
        storable("url_template", template, "bad_url_template")
    services().store.set_url_template(business, source, template, actor=principal.name)
    return json_response({"business": business, "image_source": source,
                          "url_template": template})


def _attachment(name: str) -> str:
    """Content-Disposition for `name`: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


@builds.route("/datasets", methods=["GET"], strict_slashes=False)
def get_datasets():
    """What this caller may read (READ_ACCESS=granted: its token's business)."""
    return json_response({"businesses": services().cache.datasets()})


@builds.route("/features", methods=["GET"], strict_slashes=False)
def get_features():
    """Per-feature statistics (docs/statistics.md) for a build at a threshold and sparsity range;
    `format=csv` gives the same rows as the page's CSV download (data/stats/table_csv.py);
    apply_fixes=1: presence follows the latest label fix where there is one; thresholds=saved:
    features with a saved threshold are cut there (docs/api.md)."""
    business, source = identity()
    fmt = choice_arg("format", ("json", "csv"), "json")
    threshold = float_arg("threshold", 0.0)
    min_pct = float_arg("min_pct", 0.0, 0.0, 100.0)
    max_pct = float_arg("max_pct", 100.0, 0.0, 100.0)
    if min_pct > max_pct:
        raise ApiError(400, "bad_parameter", f"min_pct ({min_pct}) is above max_pct ({max_pct}).")
    outcome = choice_arg("outcome", OUTCOMES, DEFAULT_OUTCOME)
    build_id = build_arg()
    weight = choice_arg("weight", WEIGHTS, "images")
    adjust = flag_arg("adjust")
    apply = flag_arg("apply_fixes")
    mode = choice_arg("thresholds", tuple(THRESHOLD_MODES), DEFAULT_THRESHOLD_MODE)
    metrics = metrics_arg()
    if weight == "impressions" and outcome != "ctr":
        raise ApiError(400, "bad_parameter", "weight=impressions pools clicks over impressions, "
                                             "so it goes with outcome=ctr only.")
    if outcome != "ctr" and (apply or mode != DEFAULT_THRESHOLD_MODE):
        raise ApiError(400, "bad_parameter", "apply_fixes and thresholds=saved go with "
                                             "outcome=ctr only.")
    ds = services().cache.get(business, source, build_id, metrics)

    def answer(csv: bool = False):
        judged = services().scores.outcome_dataset(ds, outcome)
        view = services().fixed.view(judged, threshold, apply=apply,
                                     saved_thresholds=mode == "saved")
        per_feature = bool(view.saved)
        if per_feature and (weight != "images" or adjust):
            raise ApiError(400, "bad_parameter", "per-feature thresholds (thresholds=saved) go "
                                                 "with weight=images and without adjust.")
        stats = stats_for(view.dataset, view.threshold, min_pct, max_pct, weight)
        if csv:
            return features_csv(stats.records())
        records = (records_with_adjusted(stats, adjusted_for(view.dataset, stats,
                                                             view.threshold, weight))
                   if adjust else stats.records())
        body = {
            "business": business, "image_source": source, "build": ds.build.id,
            "build_label": ds.build.build_label, "threshold": threshold,
            "min_pct": min_pct, "max_pct": max_pct, "outcome": outcome, "weight": weight,
            "metrics_delivery": delivery_body(ds),
            "images": stats.n_images, "images_without_outcome": judged.images_without_ctr,
            "images_without_ctr": ds.images_without_ctr,
            "features": records,
        }
        if view.fixes is not None:
            body.update(apply_fixes=True, fixes_applied=view.fixes.applied,
                        fixes_ignored=view.fixes.ignored, fixes_changed=view.changed)
        if mode != DEFAULT_THRESHOLD_MODE:
            body.update(thresholds=mode, saved_thresholds=view.saved)
            for rec, t in zip(records, view.threshold_of(stats.feature_index).tolist()):
                rec["threshold"] = t
        return body

    if fmt == "csv":  # the page's download names the file the same way (current or build<id>)
        name = features_csv_filename(business, source, build_id, threshold)
        return Response(answer(csv=True), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": _attachment(name)})
    if outcome != "ctr" or apply or mode != DEFAULT_THRESHOLD_MODE:
        return json_response(answer())  # judgements and fixes change without the dataset
    # Otherwise the answer depends on the dataset and the query only, and a dataset never
    # changes: the same query on it has the same answer.
    return Response(ds.recent(("features", threshold, min_pct, max_pct, weight, adjust),
                              lambda: orjson.dumps(answer(), option=orjson.OPT_SERIALIZE_NUMPY)),
                    mimetype="application/json")
