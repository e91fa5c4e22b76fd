"""The scatter goes to the browser compact (figures/dashboard/scatter.py): a few bytes a point,
no per-point strings, and exactly the points, images and confidences the page draws."""

from __future__ import annotations

import dataclasses

import numpy as np
import orjson

from data.domain.labels import LabelView
from data.domain.matrix import BuildMatrix
from data.stats.features import build_index
from data.storage.label_cache import fixed_dataset
from figures.dashboard.scatter import POINT_CAP
from figures.dashboard.view import render_view
from tests.support.datasets import dataset_of
from tests.support.scatter import decode, markers


def _large(n_images: int = 120_000, n_features: int = 40, per_feature: int = 6_000, seed: int = 3):
    rng = np.random.default_rng(seed)
    rows, values = [], []
    for _ in range(n_features):
        r = rng.choice(n_images, size=per_feature, replace=False).astype(np.int32)
        v = np.round(rng.uniform(0.0001, 1.0, size=per_feature), 4)
        order = np.lexsort((r, v))
        rows.append(r[order])
        values.append(v[order])
    col_ptr = np.arange(n_features + 1, dtype=np.int64) * per_feature
    matrix = BuildMatrix([f"campaign/img_{i:07d}.jpg" for i in range(n_images)],
                         [f"feature_{j:03d}" for j in range(n_features)], col_ptr,
                         np.concatenate(rows), np.concatenate(values))
    return dataset_of(matrix, rng.uniform(0.0, 0.05, size=n_images))


def test_a_capped_view_of_a_large_build_costs_under_ten_bytes_a_point():
    ds = _large()
    view = render_view(ds, {"threshold": 0.0, "top_k": 30})
    scatter = view["scatter"]
    size = len(orjson.dumps(scatter))
    assert view["status"]["points_shown"] == POINT_CAP
    assert size / POINT_CAP < 10, f"{size / POINT_CAP:.1f} bytes a point"
    text = orjson.dumps(scatter).decode()
    assert "campaign/img_" not in text  # image names travel once per build, not per point
    assert "x" not in scatter["data"][0] and "text" not in scatter["data"][0]


def test_the_compact_points_are_the_images_and_confidences_of_the_view():
    ds = _large(n_images=5_000, n_features=6, per_feature=700)
    view = render_view(ds, {"threshold": 0.3, "top_k": None})
    drawn = markers(view["scatter"], ds)
    index = ds.index
    want = set()
    for f, name in enumerate(ds.matrix.feature_names):
        lo, hi = index.col_ptr[f], index.col_ptr[f + 1]
        keep = index.values[lo:hi] >= 0.3
        want |= {(int(r), name, float(np.float32(v)))
                 for r, v in zip(index.rows[lo:hi][keep], index.values[lo:hi][keep])}
    got = set(zip(drawn["customdata"], drawn["x"], drawn["color"]))
    assert got == want
    assert drawn["y"] == [float(index.y[r]) for r in drawn["customdata"]]
    steps = decode(view["scatter"]["points"]["image_step"])
    assert steps.dtype.itemsize <= 2  # images ascending within a feature: small steps


def test_people_s_outcome_travels_with_the_figure_and_each_point_shows_its_image_s_value():
    ds = _large(n_images=2_000, n_features=5, per_feature=300)
    score = np.full(ds.matrix.n_images, np.nan)
    score[::7] = np.arange(len(score[::7])) % 10 + 1.0  # people judged every seventh image
    judged = dataclasses.replace(ds, index=build_index(ds.matrix, score))
    view = render_view(judged, {"threshold": 0.0, "outcome": "score"})
    drawn = markers(view["scatter"], ds)  # `ds`: the image table is the CTR one
    rows = np.asarray(drawn["customdata"])
    assert len(rows) and (rows % 7 == 0).all()
    assert np.array_equal(drawn["y"], score[rows])
    assert "mean score" in drawn["hovertemplate"]


def test_with_fixes_applied_a_fixed_pair_keeps_the_model_s_colour():
    ds = _large(n_images=500, n_features=3, per_feature=200)
    names = ds.matrix.image_names
    image = int(ds.index.rows[ds.index.col_ptr[0]])  # a pair the model says is present
    fx = fixed_dataset(ds, {(names[image], "feature_000"): True}, 1)
    labels = LabelView(fx.dataset, 0.0, {}, fx, fx.changed(0.0, None))
    view = render_view(ds, {"threshold": 0.0, "apply_fixes": True}, labels=labels)
    drawn = markers(view["scatter"], ds)
    colours = np.asarray(drawn["color"])
    assert np.isfinite(colours).all()
    at = [k for k, (r, x) in enumerate(zip(drawn["customdata"], drawn["x"]))
          if r == image and x == "feature_000"]
    assert len(at) == 1
    want = ds.matrix.values[ds.matrix.col_ptr[0]:ds.matrix.col_ptr[1]][
        ds.matrix.rows[ds.matrix.col_ptr[0]:ds.matrix.col_ptr[1]] == image]
    assert colours[at[0]] == np.float32(want[0])
