"""Routes for label fixes and thresholds (docs/statistics.md (label fixes), docs/api.md "Label
fixes and thresholds"): people's fixes in, the history and the retraining export out; the
threshold advisor; saved per-feature thresholds."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import numpy as np
from flask import Blueprint, Response, request

from api.access import admit, authorize, services
from api.errors import ApiError, json_response
from api.people import current_person
from api.request import (JSON_TYPES, build_arg, choice_arg, flag_arg, float_arg, identity,
                         idempotency, int_arg, read_body, require_type, text_arg)
from data.payloads.fixes import validate_fixes_json, validate_thresholds_json
from data.payloads.json_body import parse_json
from data.stats.advisor import DEFAULT_TARGET_PRECISION, advice, labelled_features
from data.stats.fix_history import export_csv, export_records, select_fixes
from data.stats.thresholds import threshold_out_of_range
from data.domain.errors import UnknownDataset

labels = Blueprint("labels", __name__)

CONFLICT_CHOICES = ("include", "exclude", "only")
FORMATS = ("json", "csv")


def writer_name(business: str) -> str:
    """Who a label write is stored under: the token's name when a token is sent; on a server
    that takes loopback writes without one, the signed-in person (else "loopback")."""
    principal = authorize()
    admit(principal, business)
    if request.headers.get("Authorization"):
        return principal.name
    person = current_person()
    return person.name if person is not None else principal.name


@labels.route("/fixes", methods=["PUT"], strict_slashes=False)
def put_fixes():
    """Store fixes [{image, feature, present, note?}] against the current build; 422 listing
    unknown images and features (nothing stored)."""
    business, source = identity()
    by = writer_name(business)
    require_type(JSON_TYPES, "application/json")
    body = read_body(services().settings)
    idem = idempotency("fixes", business, source, body, None)
    rows = validate_fixes_json(parse_json(body))
    ds = services().cache.get(business, source)
    result = services().labels.put_fixes(ds.source, ds.build.id, ds.matrix, rows, by=by,
                                         idempotency=idem)
    return json_response(result.body)


@labels.route("/fixes", methods=["GET"], strict_slashes=False)
def get_fixes():
    """The history of fixes, newest first, as JSON or CSV (format=csv), with conflict marks."""
    business, source = identity()
    since = since_arg()
    fmt = choice_arg("format", FORMATS, "json")
    feature, person = text_arg("feature"), text_arg("person")
    disagree = flag_arg("disagree")
    threshold = float_arg("threshold", 0.0)
    conflicts = choice_arg("conflicts", CONFLICT_CHOICES, "include")
    latest_only = flag_arg("latest")
    limit = int_arg("limit", None, 1, 10_000_000)
    ref = readable_source(business, source)
    version = services().labels.fixes_version(ref.id)
    tables = services().fixed.tables(ref, version)
    history = tables.history[tables.history["latest"]] if latest_only else tables.history
    saved = services().labels.saved_thresholds(ref.id) if disagree else {}
    rows = select_fixes(history, since=since, feature=feature, person=person, disagree=disagree,
                        conflicts={"include": None, "exclude": False, "only": True}[conflicts],
                        thresholds=saved, threshold=threshold, limit=limit)
    records = export_records(rows)
    if fmt == "csv":
        name = re.sub(r"[^\w.-]+", "-", f"fixes_{business}_{source}", flags=re.UNICODE)[:150]
        return Response(export_csv(records), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return json_response({"business": business, "image_source": source,
                          "fixes_version": version, "count": len(records), "fixes": records})


@labels.route("/thresholds", methods=["GET"], strict_slashes=False)
def get_thresholds():
    """The threshold advisor for one feature (precision, recall, coverage per threshold and the
    suggestion); without `feature`, the features that have fixes and the saved thresholds."""
    business, source = identity()
    feature = text_arg("feature")
    target = float_arg("target_precision", DEFAULT_TARGET_PRECISION, 0.0, 1.0)
    ds = services().cache.get(business, source, build_arg())
    tables = services().fixed.tables(ds.source)
    saved = services().labels.saved_thresholds(ds.source.id)
    head = {"business": business, "image_source": source, "build": ds.build.id}
    if feature is None:
        counts = labelled_features(tables.latest)
        return json_response({**head, "saved_thresholds": saved, "features": [
            {"feature": f, "labelled": int(n), "positives": int(p), "saved": saved.get(f)}
            for f, n, p in zip(counts["feature"], counts["labelled"], counts["positives"])]})
    if feature not in set(ds.matrix.feature_names) and \
            not (tables.latest["feature"] == feature).any():
        raise ApiError(404, "unknown_feature",
                       f"Build {ds.build.id} has no feature {feature!r} and nobody fixed it. "
                       "GET /api/v1/thresholds without `feature` lists the fixed features.")
    labelled = services().fixed.labelled(ds, feature)
    body = {**head, **advice(labelled, target)}
    saved_t = saved.get(feature)
    body["saved"] = saved_t
    body["saved_out_of_range"] = None if saved_t is None or not len(labelled.values) else \
        threshold_out_of_range(labelled.values, saved_t)
    return json_response(body)


@labels.route("/thresholds", methods=["PUT"], strict_slashes=False)
def put_thresholds():
    """Save {feature: threshold} (null deletes) for the image source."""
    business, source = identity()
    by = writer_name(business)
    require_type(JSON_TYPES, "application/json")
    body = read_body(services().settings, services().settings.max_body_bytes)
    idem = idempotency("thresholds", business, source, body, None)
    values = validate_thresholds_json(parse_json(body))
    ds = services().cache.get(business, source)
    result = services().labels.put_thresholds(ds.source, ds.build.id, ds.matrix, values, by=by,
                                              idempotency=idem)
    return json_response(result.body)


def since_arg() -> np.datetime64 | None:
    """`since`: an ISO 8601 date or time (UTC unless it says otherwise), as naive UTC."""
    raw = request.args.get("since")
    if raw is None or raw == "":
        return None
    try:
        when = datetime.fromisoformat(raw.strip().replace(" ", "T"))
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ApiError(400, "bad_parameter", f"since must be an ISO 8601 date or time such as "
                                             f"2024-05-01 or 2024-05-01T12:00:00Z, got {raw!r}.") \
            from None
    return np.datetime64(when, "us")


def readable_source(business: str, source: str):
    """The image source, when this request may read it (NotReadable otherwise, like every read);
    UnknownDataset when there is none."""
    ref = services().cache.locate(business, source)
    if ref is None:
        raise UnknownDataset("unknown_dataset",
                             f"No image source {source!r} for business {business!r}. "
                             "GET /api/v1/datasets lists what exists.")
    return ref
