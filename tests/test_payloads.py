"""Validation of features and metrics bodies: what is accepted, and the precise error (status,
code, first offenders) for what is not."""

from __future__ import annotations

import math

import numpy as np
import pytest

from api.errors import status_of
from data.domain.errors import DomainError
from data.payloads.features import validate_features
from data.payloads.json_body import parse_json
from data.payloads.metrics import outcome, validate_metrics_csv, validate_metrics_json


def error_of(fn, *args) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args)
    return info.value


# ----------------------------------------------------------------------------- JSON


def test_malformed_json_is_400_with_line_column_and_byte():
    err = error_of(parse_json, b'{"a": {"f": 1},\n "b": {"f": }}')
    assert (status_of(err), err.code) == (400, "malformed_json")
    assert err.details == [{"line": 2, "column": 13, "position": 28}]
    assert "line 2, column 13" in err.message


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_are_422_not_malformed(literal):
    err = error_of(parse_json, b'{"a": {"f": ' + literal + b"}}")
    assert (status_of(err), err.code) == (422, "non_finite_number")
    assert "null" in err.message


def test_empty_body_is_malformed_json():
    assert status_of(error_of(parse_json, b"")) == 400


# ----------------------------------------------------------------------------- features


def test_features_accept_sparse_images_nulls_and_ints():
    table = validate_features({"a": {"x": 1, "y": None}, "b": {}, "c": {"y": 0.5}})
    assert table.image_names == ["a", "b", "c"]
    assert table.feature_names == ["x", "y"]
    by_entry = {(table.image_names[r], table.feature_names[c]): v
                for r, c, v in zip(table.rows, table.cols, table.values)}
    assert by_entry == {("a", "x"): 1.0, ("a", "y"): 0.0, ("c", "y"): 0.5}
    assert table.values.dtype == np.float64


@pytest.mark.parametrize("values", [
    [3, 0, 1, 20, -7],  # integers only: converted through int64
    [2 ** 63, 5, -(2 ** 63) - 1, 2 ** 70 + 1],  # beyond int64, within float range
    [2 ** 53 + 1, 1, 1.5, None],  # mixed
    [0.1, 1, 0.25],
])
def test_integer_values_are_the_floats_python_makes_of_them(values):
    # A slice of integers takes a faster conversion than one of floats: the result must not
    # depend on which, however large the integers and however they are mixed.
    body = {f"img{i:04d}": {f"f{j}": v for j, v in enumerate(values)} for i in range(600)}
    table = validate_features(body)
    want = [0.0 if v is None else float(v) for v in values] * 600
    assert table.values.tolist() == want


@pytest.mark.parametrize("body,code", [
    ([{"a": 1}], "wrong_shape"),
    ("text", "wrong_shape"),
    (None, "wrong_shape"),
    ({}, "empty_payload"),
    ({"a": [1, 2]}, "wrong_shape"),
    ({"a": 0.5}, "wrong_shape"),
    ({"a": None}, "wrong_shape"),
    ({"a": {"f": "0.5"}}, "bad_value"),
    ({"a": {"f": True}}, "bad_value"),
    ({"a": {"f": [0.5]}}, "bad_value"),
    ({"a": {"f": {"v": 1}}}, "bad_value"),
    ({"a": {"f": 10 ** 400}}, "bad_value"),
    ({"a": {"f": 1, "g": 2, "h": 10 ** 400}}, "bad_value"),
    ({"a": {"f": 1, "g": 2, "h": True}}, "bad_value"),
    ({"a": {"f": float("inf")}}, "bad_value"),
    ({"": {"f": 1}}, "empty_name"),
    ({"a": {"": 1}}, "empty_name"),
])
def test_bad_features_are_422_with_a_code(body, code):
    err = error_of(validate_features, body)
    assert (status_of(err), err.code) == (422, code)


def test_bad_values_name_the_first_offenders_and_the_total():
    body = {f"img{i}": {"ok": 0.1, "bad": "x"} for i in range(15)}
    body["img3"]["flag"] = False
    err = error_of(validate_features, body)
    assert len(err.details) == 10
    assert err.details[0] == {"image": "img0", "feature": "bad", "value": '"x"',
                              "problem": "a JSON string; send a number or null"}
    assert any(d["feature"] == "flag" and "boolean" in d["problem"] for d in err.details)
    assert "16" in err.message and "first 10" in err.message


def test_wrong_shape_lists_images_that_are_not_objects():
    err = error_of(validate_features, {"a": {"f": 1}, "b": [1], "c": "x"})
    assert [d["image"] for d in err.details] == ["b", "c"]


# ----------------------------------------------------------------------------- metrics


def test_metrics_json_accepts_counts_or_ctr():
    rows = validate_metrics_json({"a": {"impressions": 10, "clicks": 2}, "b": {"ctr": 0.5},
                                  "c": {"ctr": 1}})
    assert [(r.image, r.impressions, r.clicks, r.ctr) for r in rows] == [
        ("a", 10, 2, None), ("b", None, None, 0.5), ("c", None, None, 1.0)]


@pytest.mark.parametrize("metrics,problem", [
    ({"impressions": 10, "clicks": 11}, "exceed"),
    ({"ctr": 1.5}, "between 0 and 1"),
    ({"ctr": -0.1}, "between 0 and 1"),
    ({"ctr": "0.1"}, "between 0 and 1"),
    ({"impressions": 10}, "together"),
    ({"impressions": 10.5, "clicks": 1}, "whole number"),
    ({"impressions": -1, "clicks": 0}, "between 0"),
    ({"impressions": True, "clicks": 0}, "whole number"),
    ({}, "no impressions"),
    ({"views": 3}, "unknown field"),
    ([10, 2], "not an object"),
])
def test_bad_metrics_json_is_422_naming_the_image_and_problem(metrics, problem):
    err = error_of(validate_metrics_json, {"good": {"ctr": 0.1}, "bad": metrics})
    assert (status_of(err), err.code) == (422, "bad_metrics")
    assert err.details[0]["image"] == "bad" and problem in err.details[0]["problem"]


def test_metrics_csv_with_either_header():
    rows = validate_metrics_csv('image,impressions,clicks\n"a, b.png",100,7\nc,5,0\n')
    assert [(r.image, r.impressions, r.clicks) for r in rows] == [("a, b.png", 100, 7), ("c", 5, 0)]
    rows = validate_metrics_csv("Image, CTR\r\nx,0.25\r\n\r\n")
    assert [(r.image, r.ctr) for r in rows] == [("x", 0.25)]


@pytest.mark.parametrize("text,code", [
    ("", "empty_payload"),
    ("image,ctr\n", "empty_payload"),
    ("name,impressions,clicks\na,1,0\n", "wrong_shape"),
    ("image,clicks,impressions\na,1,2\n", "wrong_shape"),
    ("image,impressions,clicks\na,10,11\n", "bad_metrics"),
    ("image,impressions,clicks\na,10\n", "bad_metrics"),
    ("image,impressions,clicks\na,ten,1\n", "bad_metrics"),
    ("image,ctr\na,2\n", "bad_metrics"),
    ("image,ctr\na,0.1\na,0.2\n", "bad_metrics"),
])
def test_bad_metrics_csv_is_422(text, code):
    err = error_of(validate_metrics_csv, text)
    assert (status_of(err), err.code) == (422, code)


def test_bad_csv_lines_carry_their_line_number():
    err = error_of(validate_metrics_csv, "image,impressions,clicks\na,1,0\nb,1,5\n")
    assert err.details == [{"line": 3, "image": "b",
                            "problem": "clicks (5) exceed impressions (1)"}]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_csv_lines_are_judged_as_the_same_metrics_sent_as_json(seed):
    """The CSV reader checks the usual line inline and sends the rest through the full checks:
    on a mix of good lines and every kind of bad one, it accepts what the JSON checks accept and
    names the same images, in order, with the same problems."""
    from data.domain.names import MAX_IMAGE_NAME

    rng = np.random.default_rng(seed)
    good = [(f"img{i}.png", int(imp), int(rng.integers(0, imp + 1)))
            for i, imp in enumerate(rng.integers(0, 10_000, size=300))]
    bad = [("neg.png", -1, 0), ("more.png", 3, 4), ("big.png", 2**62 + 1, 0),
           ("nul\x00.png", 5, 1), ("x" * (MAX_IMAGE_NAME + 1), 5, 1), ("", 5, 1)]
    lines = good + [bad[i] for i in rng.choice(len(bad), size=4, replace=False)]
    order = rng.permutation(len(lines))
    lines = [lines[i] for i in order]

    def csv_of(rows):
        return "image,impressions,clicks\n" + "".join(
            f'"{n}",{" " if k % 2 else ""}{imp},{clk}\n' for k, (n, imp, clk) in enumerate(rows))

    as_json = {n: {"impressions": imp, "clicks": clk} for n, imp, clk in lines}
    csv_err, json_err = error_of(validate_metrics_csv, csv_of(lines)), error_of(
        validate_metrics_json, as_json)
    assert csv_err.code == json_err.code == "bad_metrics"
    assert [(d["image"], d["problem"]) for d in csv_err.details] == \
        [(d["image"], d["problem"]) for d in json_err.details]
    ok = [line for line in lines if line in good]
    rows = validate_metrics_csv(csv_of(ok))
    assert rows == [tuple(r) for r in validate_metrics_json(
        {n: {"impressions": imp, "clicks": clk} for n, imp, clk in ok})]
    assert [(r.image, r.impressions, r.clicks, r.ctr) for r in rows] == \
        [(n, imp, clk, None) for n, imp, clk in ok]
    twice = error_of(validate_metrics_csv, csv_of(ok + ok[:1]))
    assert twice.details == [{"line": len(ok) + 2, "image": ok[0][0],
                              "problem": "image listed twice"}]


# ----------------------------------------------------------------------------- outcome


def test_outcome_prefers_clicks_over_impressions_then_ctr():
    assert outcome(200, 3, None) == 0.015
    assert outcome(200, 3, 0.9) == 0.015
    assert outcome(0, 0, 0.2) == 0.2
    assert math.isnan(outcome(0, 0, None))
    assert math.isnan(outcome(None, None, None))
