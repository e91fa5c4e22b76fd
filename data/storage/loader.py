"""Loading deliveries that do not come over HTTP: files on disk, the demo dataset."""

from __future__ import annotations

from pathlib import Path

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE, generate_demo
from data.domain.matrix import matrix_from_table
from data.payloads.features import validate_features
from data.payloads.json_body import parse_json
from data.payloads.metrics import MetricRow, validate_metrics_csv, validate_metrics_json
from data.stats.quality_gate import QualityGate
from data.storage.cache import DatasetCache
from data.storage.over_time import quality_check
from data.storage.store import Store, WriteResult


def load_demo(store: Store, n_images: int = 659, seed: int = 7) -> WriteResult:
    """Store the generated demo build (quality-checked with the default limits) and its metrics
    under the demo business."""
    features, metrics = generate_demo(n_images, seed)
    matrix = matrix_from_table(validate_features(features))
    result = store.put_build(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, matrix, build_label="demo",
                             is_demo=True,
                             check=quality_check(QualityGate(), matrix, DatasetCache(store)))
    store.put_metrics(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, validate_metrics_json(metrics),
                      is_demo=True)
    return result


def read_metrics_file(path: Path) -> list[MetricRow]:
    """Metrics from a .csv file (header image,impressions,clicks or image,ctr) or a JSON file."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".csv":
        return validate_metrics_csv(raw.decode("utf-8-sig"))
    return validate_metrics_json(parse_json(raw))


def read_features_bytes(raw: bytes):
    """A validated, canonical build matrix from a features JSON body."""
    return matrix_from_table(validate_features(parse_json(raw)))
