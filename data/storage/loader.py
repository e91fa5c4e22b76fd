"""Loading deliveries that do not come over HTTP: files on disk, the demo dataset."""

from __future__ import annotations

from pathlib import Path

from data.demo import DEMO_BUSINESS, DEMO_IMAGE_SOURCE, generate_demo
from data.domain.matrix import matrix_from_table
from data.payloads.charset import decode_text
from data.payloads.features import features_from_json, validate_features
from data.payloads.metrics import (MetricRow, metrics_from_json, validate_metrics_csv,
                                   validate_metrics_json)
from data.storage.store import Store, WriteResult


def load_demo(store: Store, n_images: int = 659, seed: int = 7) -> WriteResult:
    """Store the generated demo build and its metrics under the demo business."""
    features, metrics = generate_demo(n_images, seed)
    matrix = matrix_from_table(validate_features(features))
    result = store.put_build(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, matrix, build_label="demo",
                             is_demo=True)
    store.put_metrics(DEMO_BUSINESS, DEMO_IMAGE_SOURCE, validate_metrics_json(metrics),
                      is_demo=True)
    return result


def read_metrics_file(path: Path) -> list[MetricRow]:
    """Metrics from a .csv file (header image,impressions,clicks or image,ctr) or a JSON file."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".csv":
        return validate_metrics_csv(decode_text(raw, "utf-8"))
    return metrics_from_json(raw)


def read_features_bytes(raw: bytes):
    """A validated, canonical build matrix from a features JSON body."""
    return matrix_from_table(features_from_json(raw))
