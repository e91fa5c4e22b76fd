"""Loading deliveries that do not come over HTTP: files on disk, the demo dataset."""

from __future__ import annotations

from pathlib import Path

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE, generate_demo
from data.demo_judgements import generate_judgements
from data.domain.matrix import matrix_from_table
from data.demo_fixes import generate_fixes
from data.payloads.charset import decode_text
from data.payloads.columnar import features_from_ndjson, features_from_parquet
from data.payloads.features import PARALLEL_PARSE_BYTES, features_from_json, validate_features
from data.payloads.fixes import FixRow
from data.payloads.judgements import validate_ratings_json, validate_votes_json
from data.payloads.metrics import (MetricRow, metrics_from_json, validate_metrics_csv,
                                   validate_metrics_json)
from data.stats.quality_gate import QualityGate
from data.storage.cache import DatasetCache
from data.storage.judgements import JudgementStore
from data.storage.labels import LabelStore
from data.storage.over_time import quality_check
from data.storage.store import Store, WriteResult

DEMO_SENDER = "demo"  # who the demo's judgements were sent by


def load_demo(store: Store, n_images: int = 659, seed: int = 7) -> WriteResult:
    """Store the generated demo build (quality-checked with the default limits), its metrics,
    people's judgements of it (ratings and votes from data/demo_judgements.py) and people's
    label fixes of it, under the demo business."""
    features, metrics = generate_demo(n_images, seed)
    matrix = matrix_from_table(validate_features(features))
    result = store.put_build(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, matrix, build_label="demo",
                             is_demo=True,
                             check=quality_check(QualityGate(), matrix, DatasetCache(store)))
    store.put_metrics(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, validate_metrics_json(metrics),
                      is_demo=True)
    ratings, votes = generate_judgements(matrix.image_names, features)
    judgements = JudgementStore(store)
    judgements.put_ratings(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, validate_ratings_json(ratings),
                           sent_by=DEMO_SENDER, audit=False)
    judgements.put_votes(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, validate_votes_json(votes),
                         sent_by=DEMO_SENDER, audit=False)
    # People's label fixes of the demo build (data/demo_fixes.py), for the fixes page and the
    # threshold advisor.
    ref = store.locate(DEMO_BUSINESS, DEMO_IMAGE_SOURCE)
    LabelStore(store).put_fixes(ref, result.body["build"], matrix,
                                [FixRow(**fix) for fix in generate_fixes(features)],
                                by="demo", audit=False)
    return result


def read_metrics_file(path: Path) -> list[MetricRow]:
    """Metrics from a .csv file (header image,impressions,clicks or image,ctr) or a JSON file."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".csv":
        return validate_metrics_csv(decode_text(raw, "utf-8"))
    return metrics_from_json(raw)


def read_features_bytes(raw: bytes, parallel_from: int = PARALLEL_PARSE_BYTES):
    """A validated, canonical build matrix from a features JSON body (read by two processes
    from `parallel_from` bytes, as the server does)."""
    return matrix_from_table(features_from_json(raw, parallel_from))


def read_features_file(path: Path, parallel_from: int = PARALLEL_PARSE_BYTES):
    """A validated, canonical build matrix from a features file, by its suffix: .parquet
    (memory-mapped, docs/ingest-formats.md), .ndjson / .jsonl, or JSON."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return matrix_from_table(features_from_parquet(path))
    if suffix in (".ndjson", ".jsonl"):
        return matrix_from_table(features_from_ndjson(path.read_bytes(), parallel_from))
    return read_features_bytes(path.read_bytes(), parallel_from)
