"""Decoding request bodies, without a server: a body decodes completely and exactly, or the error
names the real problem (gzip damage, the encoding, a lone surrogate, a repeated key); and the
features CSV cannot smuggle a formula into a spreadsheet."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest

from api.errors import status_of
from data.domain.errors import DomainError
from data.payloads.charset import codec_of, decode_text, json_utf8
from data.payloads.duplicates import reject_repeated_keys, repeated_keys
from data.payloads.features import features_from_json
from data.payloads.gzip_body import gunzip
from data.payloads.json_body import parse_json
from data.payloads.metrics import metrics_from_json, validate_metrics_csv
from data.stats.table_csv import features_csv

METRICS_CSV = b"image,impressions,clicks\n" + b"".join(
    b"img-%04d,100000,%d\n" % (i, 14344 + i) for i in range(2000))


def error_of(fn, *args) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args)
    return info.value


# ----------------------------------------------------------------------------- gzip


def test_a_multi_member_gzip_body_decodes_every_member():
    members = b"".join(gzip.compress(METRICS_CSV[i:i + 7000]) for i in range(0, len(METRICS_CSV), 7000))
    assert gunzip(members, 10**8) == METRICS_CSV
    assert gunzip(gzip.compress(b"") * 3, 10) == b""


@pytest.mark.parametrize("damage, words", [
    (lambda gz: gz[:-10], "cut short"),
    (lambda gz: gz[:len(gz) // 2], "cut short"),
    (lambda gz: gz + b"trailing", "not another gzip member"),
    (lambda gz: gz + b"\0\0\0\0", "not another gzip member"),
    (lambda gz: gz + gzip.compress(b"x")[:-3], "cut short"),
    (lambda gz: gz[:-8] + bytes(8), "CRC-32"),
    (lambda gz: gz[:-4] + b"\1\0\0\0", "length"),
    (lambda gz: b"not gzip at all", "not gzip"),
])
def test_a_damaged_gzip_body_is_400_naming_the_damage(damage, words):
    err = error_of(gunzip, damage(gzip.compress(METRICS_CSV)), 10**8)
    assert (status_of(err), err.code) == (400, "bad_gzip")
    assert words in err.message


def test_the_decompressed_size_cap_holds_across_members():
    bomb = gzip.compress(b"\0" * 20_000_000)  # ~20 kB that inflates to 20 MB
    for body in (bomb, gzip.compress(b"ok") + bomb, gzip.compress(b"a" * 600_000) * 2):
        err = error_of(gunzip, body, 1_000_000)
        assert (status_of(err), err.code) == (413, "body_too_large")


# ----------------------------------------------------------------------------- charsets


@pytest.mark.parametrize("declared, codec", [
    (None, "utf-8"), ("UTF-8", "utf-8"), ("utf8", "utf-8"), ("latin-1", "iso8859-1"),
    ("ISO-8859-1", "iso8859-1"), ("windows-1252", "cp1252"), ("utf-16", "utf-16"),
    ("utf-16le", "utf-16-le"), ("us-ascii", "ascii"), ("ebcdic-cp-us", None), ("nonsense", None),
    ("utf-32", None),
])
def test_declared_charsets_map_to_codecs_or_none(declared, codec):
    assert codec_of(declared) == codec


@pytest.mark.parametrize("codec, encode", [
    ("iso8859-1", lambda t: t.encode("latin-1")),
    ("cp1252", lambda t: t.encode("cp1252")),
    ("utf-16", lambda t: t.encode("utf-16")),
    ("utf-16-be", lambda t: t.encode("utf-16-be")),
    ("utf-8", lambda t: b"\xef\xbb\xbf" + t.encode()),
])
def test_a_csv_body_decodes_in_its_declared_charset(codec, encode):
    text = "image,ctr\ncafé.png,0.5\nniño.png,0.25\n"
    assert decode_text(encode(text), codec) == text


def test_a_json_body_in_a_declared_charset_becomes_utf8():
    body = '{"café.png": {"ctr": 0.5}}'
    assert json_utf8(body.encode("utf-16"), "utf-16") == body.encode()
    assert json_utf8(body.encode("latin-1"), "iso8859-1") == body.encode()


@pytest.mark.parametrize("raw, codec, words", [
    ("image,ctr\n".encode("utf-16"), "utf-8", "UTF-16 (little-endian, with a byte-order mark)"),
    ("image,ctr\n".encode("utf-16-le"), "utf-8", "UTF-16 (little-endian)"),
    (b"image,ctr\ncaf\xe9,0.1\n", "utf-8", "invalid UTF-8 at byte 13"),
    (b"image,ctr\ncaf\x81,0.1\n", "cp1252", "invalid windows-1252 at byte 13"),
    ("image,ctr\n".encode("utf-16-le"), "utf-16", "byte-order mark"),
])
def test_an_undecodable_csv_body_names_its_real_encoding_problem(raw, codec, words):
    err = error_of(decode_text, raw, codec)
    assert (status_of(err), err.code) == (400, "bad_encoding")
    assert words in err.message


@pytest.mark.parametrize("raw, code, words", [
    ('{"a": {"f": 1}}'.encode("utf-16"), "bad_encoding", "UTF-16"),
    ('{"a": {"f": 1}}'.encode("utf-16-be"), "bad_encoding", "UTF-16 (big-endian)"),
    ('{"a": {"f": 1}}'.encode("utf-32"), "bad_encoding", "UTF-32"),
    (b'{"caf\xe9": {"f": 1}}', "bad_encoding", "invalid UTF-8 at byte 5"),
    (b'{"a\\ud800": {"f": 1}}', "lone_surrogate", "lone surrogate \\ud800"),
    (b'{"a": {"\\udc01x": 1}}', "lone_surrogate", "lone surrogate \\udc01"),
    (b'{"\\\\ud800": {"\\ud83d\\ude00": 1, "b\\uDBFF": 2}}', "lone_surrogate",
     "lone surrogate \\udbff"),
])
def test_a_json_body_that_is_not_utf8_text_says_why_not_non_finite(raw, code, words):
    err = error_of(parse_json, raw)
    assert (status_of(err), err.code) == (400, code)
    assert words in err.message and "non-finite" not in err.message


def test_a_json_body_with_a_utf8_bom_or_a_surrogate_pair_is_read():
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert parse_json(b'{"\\ud83d\\ude00": 1}') == {"\U0001F600": 1}


# ----------------------------------------------------------------------------- repeated keys


@pytest.mark.parametrize("raw, expected", [
    (b'{"a": {"f": 1}, "b": {"f": 2}, "a": {"g": 3}}', [{"image": "a", "times": 2}]),
    (b'{"a": {"f": 1, "g": 2, "f": 3}}', [{"image": "a", "feature": "f", "times": 2}]),
    (b'{"http://x/a": {"f:1": 1}, "http://x/a": {"f:1": 1}}', [{"image": "http://x/a", "times": 2}]),
    (b'{"a": {"f": 1}, "\\u0061": {"f": 1}}', [{"image": "a", "times": 2}]),
    (b'{"a\\u003ab": {"f": 1}, "a:b": {"f": 2}}', [{"image": "a:b", "times": 2}]),
])
def test_a_features_body_naming_an_image_or_feature_twice_is_422_listing_them(raw, expected):
    err = error_of(features_from_json, raw)
    assert (status_of(err), err.code) == (422, "duplicate_keys")
    assert err.details == expected


@pytest.mark.parametrize("raw", [
    b'{"a": {"f": 1}, "b": {"f": 2}}',
    b'{"http://cdn/a.png": {"time:of:day": 1, "f": null}, "b:c": {"time:of:day": 2}}',
    b'{"a\\u003ab": {"f": 1}, "a:c": {"f": 2}}',  # an escaped colon: the exact check decides
])
def test_features_bodies_without_repeats_pass_the_repeat_check(raw):
    assert features_from_json(raw).image_names == list(json.loads(raw))


def test_a_metrics_body_naming_an_image_or_field_twice_is_422_listing_them():
    err = error_of(metrics_from_json, b'{"a": {"ctr": 0.1}, "a": {"ctr": 0.2}}')
    assert (err.code, err.details) == ("duplicate_keys", [{"image": "a", "times": 2}])
    err = error_of(metrics_from_json, b'{"a": {"ctr": 0.1, "ctr": 0.2}}')
    assert (err.code, err.details) == ("duplicate_keys", [{"image": "a", "field": "ctr", "times": 2}])
    assert [r.image for r in metrics_from_json(b'{"a:b": {"ctr": 0.1}, "c": {"ctr": 0.2}}')] \
        == ["a:b", "c"]


def test_the_colon_count_proves_uniqueness_without_the_exact_check(monkeypatch):
    import data.payloads.duplicates as duplicates

    def exact(*_):
        raise AssertionError("the exact check ran")

    monkeypatch.setattr(duplicates, "reject_repeated_keys_exactly", exact)
    raw = b'{"x:1": {"a:b": 1, "c": 2}, "y": {"a:b": 3}}'
    reject_repeated_keys(raw, 5, lambda: 3, ("image", "feature"))  # colons in strings: 3
    with pytest.raises(AssertionError):
        reject_repeated_keys(raw, 4, lambda: 3, ("image", "feature"))


def test_repeated_keys_are_found_at_any_depth_in_document_order():
    raw = b'{"a": [{"k": 1, "k": 2}], "b": {"c": {"d": 1, "d": 2}}, "b": {}}'
    assert repeated_keys(raw) == [([], "b", 2), (["a", "0"], "k", 2)]


# ----------------------------------------------------------------------------- names and metrics


def test_impressions_clicks_and_ctr_together_are_422_not_a_silently_ignored_ctr():
    err = error_of(metrics_from_json, b'{"a": {"impressions": 1000, "clicks": 14, "ctr": 0.5}}')
    assert (status_of(err), err.code) == (422, "bad_metrics")
    assert "not all three" in err.details[0]["problem"]


def test_nul_in_an_image_name_is_refused_by_features_and_metrics_with_one_message():
    features = error_of(features_from_json, b'{"a\\u0000b": {"f": 1}}')
    metrics = error_of(metrics_from_json, b'{"a\\u0000b": {"ctr": 0.1}}')
    csv_metrics = error_of(validate_metrics_csv, "image,ctr\na\x00b,0.1\n")
    problems = {e.details[0]["problem"] for e in (features, metrics, csv_metrics)}
    assert problems == {"the image name contains a NUL character (U+0000), which cannot be "
                        "stored; remove it"}
    assert error_of(features_from_json, b'{"a": {"f\\u0000": 1}}').code == "bad_name"


def test_an_image_name_over_500_characters_is_refused_by_features_and_metrics_alike():
    name = "n" * 501
    features = error_of(features_from_json, json.dumps({name: {"f": 1}}).encode())
    metrics = error_of(metrics_from_json, json.dumps({name: {"ctr": 0.1}}).encode())
    csv_metrics = error_of(validate_metrics_csv, f"image,ctr\n{name},0.1\n")
    assert {e.details[0]["problem"] for e in (features, metrics, csv_metrics)} == {
        "the image name is 501 characters long; the limit is 500"}
    assert features.details[0]["image"] == "n" * 80 + "..."
    assert features_from_json(json.dumps({"n" * 500: {"f" * 200: 1}}).encode()).image_names \
        == ["n" * 500]


def test_a_csv_body_that_ends_inside_a_quoted_field_is_422_not_a_shorter_value():
    err = error_of(validate_metrics_csv, 'image,ctr\na,0.1\n"b,0.')
    assert (status_of(err), err.code) == (422, "bad_csv")


# ----------------------------------------------------------------------------- CSV export


def _row(feature: str) -> dict:
    return {"feature": feature, "n_with": 1, "n_without": 2, "prevalence_pct": 33.3,
            "ctr_with": 0.1, "ctr_without": None, "impact": -0.05, "ci_low": None,
            "ci_high": None, "p_value": 0.5, "q_value": 1.0}


@pytest.mark.parametrize("name, shown", [
    ("plain\r=1+1", "plain\r'=1+1"),
    ("a\n@SUM(A1)\r\n+cmd", "a\n'@SUM(A1)\r\n'+cmd"),
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("-5", "'-5"),
    ("comma, \"quote\"", "comma, \"quote\""),
    ("fine\n", "fine\n"),
])
def test_every_line_of_a_feature_name_is_guarded_and_the_row_stays_one_row(name, shown):
    text = features_csv([_row(name), _row("next")])
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert len(records) == 3 and records[1][0] == shown and records[2][0] == "next"
    assert records[1][6] == "-0.05"  # numbers are not guarded
    for line in text.replace("\r", "\n").split("\n"):
        assert not line.startswith(("=", "+", "-", "@", "\t")), line
