"""Checking columnar features bodies, Parquet (long or wide) and NDJSON, into the same
FeatureTable a JSON body gives, without a Python object per value (docs/ingest-formats.md).

The rules are the JSON body's: null counts as 0, NaN and infinities are refused, a name is
given once (an image twice, or the same feature twice for one image, is refused like a repeated
JSON key), names are non-empty, without NUL and within the name limits (data/domain/names.py).

Parquet is read with pyarrow: names are dictionary-encoded as they are read (one Python string
per distinct name, integer codes per value), values stay numpy arrays. A long file is read a
row group at a time into preallocated arrays; a wide file a slice of rows at a time, so its
dense zeros never exist all at once. NDJSON is parsed a batch of lines at a time; only that
batch's objects are alive. pyarrow is imported on the first Parquet body, not by every worker
that never sees one.
"""

from __future__ import annotations

import os
import re
from operator import itemgetter

import numpy as np
import orjson
from scipy import sparse

from data.domain.errors import DomainError, InvalidPayload, MalformedBody
from data.domain.matrix import FeatureTable
from data.payloads.charset import UTF8_BOM
from data.payloads.common import (MAX_OFFENDERS, json_type, name_limit, offender_message,
                                  short_repr)
from data.payloads.features import (PARALLEL_PARSE_BYTES, RepeatedAcrossHalves,
                                    check_label_names, fill_columns, tables_in_halves)
from data.payloads.duplicates import count_byte, repeated_keys
from data.payloads.json_body import parse_json
from data.payloads.json_halves import worth_splitting

PARQUET_HINT = ("Send a Parquet file with the columns image, feature, value (long: one row per "
                "value), or an image column and one numeric column per feature (wide: one row "
                "per image).")
NDJSON_HINT = ('Send one JSON object per line: {"image": "name", "features": {"feature": '
               'number or null, ...}}.')
# Wide files are decoded this many cells (rows x feature columns) at a time: ~64 MB of float64.
_WIDE_CELLS = 8 * 1024 * 1024
# Lines of an NDJSON body parsed at once.
_NDJSON_LINES = 4096
# Repeated (image, feature) pairs are found with a byte per possible pair up to this many pairs;
# beyond it (a million images x 480 features) by sorting the pairs' keys.
_PAIR_MAP_MAX = 1 << 27
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


# ------------------------------------------------------------------------------------ Parquet

def features_from_parquet(source: bytes | str | os.PathLike) -> FeatureTable:
    """The checked table of a Parquet body (bytes) or file (path, memory-mapped): long
    (image, feature, value) or wide (image + one numeric column per feature)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def open_file(**options):
        if isinstance(source, (bytes, bytearray, memoryview)):
            return pq.ParquetFile(pa.BufferReader(source), **options)
        return pq.ParquetFile(os.fspath(source), memory_map=True, **options)

    try:
        schema = open_file().schema_arrow
    except (pa.ArrowException, OSError) as exc:
        raise MalformedBody("bad_parquet", f"The body is not a readable Parquet file ({exc}). "
                            "Nothing was stored; send the file as written, with "
                            "Content-Type: application/vnd.apache.parquet.") from None
    # pandas writes a DataFrame's index as such a column unless told index=False: not data.
    names = [n for n in schema.names if not _PANDAS_INDEX.fullmatch(n)]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        details = [{"column": n, "times": names.count(n)} for n in repeated[:MAX_OFFENDERS]]
        raise InvalidPayload("duplicate_keys", offender_message(
            f"{len(repeated)} column name(s) appear more than once (each feature must be one "
            "column), so nothing was stored", details, len(repeated)), details)
    if "image" not in names:
        raise InvalidPayload("wrong_shape", f"The Parquet file has no `image` column (its "
                             f"columns: {_listed(names)}). {PARQUET_HINT}")
    _require_text(schema, "image")
    try:
        if set(names) == {"image", "feature", "value"} and _is_text(schema.field("feature").type):
            return _long_table(open_file(read_dictionary=["image", "feature"]), schema)
        return _wide_table(open_file(read_dictionary=["image"]), schema, names)
    except (pa.ArrowException, OSError) as exc:  # a page that does not decode
        raise MalformedBody("bad_parquet", f"The Parquet file could not be read to its end "
                            f"({exc}). Nothing was stored; send the file as written.") from None
    finally:
        # arrow's allocator keeps freed pages for reuse; the canonical sort (numpy) that comes
        # next cannot use them: hand them back (a 1M-image wide file: ~0.6 GB).
        pa.default_memory_pool().release_unused()


def _long_table(pf, schema) -> FeatureTable:
    """Read a row group at a time (only its arrow columns exist at once) into preallocated
    int64 codes and float64 values; each row group's dictionary of names is numbered into one
    list (a dictionary equal to the previous one, as a categorical column writes, is not read
    again)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    _require_numbers(schema, ["value"])
    n = pf.metadata.num_rows
    if n == 0:
        raise InvalidPayload("empty_payload", f"The Parquet file has no rows. {PARQUET_HINT}")
    rows = np.empty(n, dtype=np.int64)
    cols = np.empty(n, dtype=np.int64)
    values = np.empty(n, dtype=np.float64)
    names = {"image": _Names(), "feature": _Names()}
    pos = 0
    for group in range(pf.metadata.num_row_groups):
        table = pf.read_row_group(group, columns=["image", "feature", "value"])
        for column, out in (("image", rows), ("feature", cols)):
            at = pos
            for chunk in table.column(column).chunks:
                if chunk.null_count:
                    first = at + _first_null_row(chunk)
                    raise InvalidPayload("wrong_shape", f"A row has no {column} name (null): "
                                         f"row {first}. Give every row an image and a feature "
                                         "name.", [{"row": first, "column": column}])
                if not isinstance(chunk, pa.DictionaryArray):
                    chunk = chunk.dictionary_encode()
                codes = names[column].codes_of(chunk.dictionary)
                out[at:at + len(chunk)] = codes[chunk.indices.to_numpy(zero_copy_only=False)]
                at += len(chunk)
        at = pos
        for chunk in table.column("value").chunks:
            if chunk.null_count:
                chunk = pc.fill_null(chunk, 0)
            values[at:at + len(chunk)] = chunk.cast(pa.float64(), safe=False).to_numpy()
            at += len(chunk)
        pos += table.num_rows
        del table
    image_names, rows = names["image"].used(rows, "image")
    feature_names, cols = names["feature"].used(cols, "feature")
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        _raise_non_finite(bad, values, lambda k: {"image": image_names[rows[k]],
                                                  "feature": feature_names[cols[k]],
                                                  "row": int(k)})
    _reject_repeated_pairs(rows, cols, image_names, feature_names)
    # Zeros (and nulls) say nothing the lists of names do not: dropped here, one array at a
    # time, so the canonical sort does not copy all three while these are still alive.
    nz = values != 0
    if not nz.all():
        rows = rows[nz]
        cols = cols[nz]
        values = values[nz]
    return FeatureTable(image_names, feature_names, rows, cols, values)


class _Names:
    """Names numbered in order of first appearance across a file's row groups."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self._last = None  # (dictionary, its codes) of the previous row group

    def codes_of(self, dictionary) -> np.ndarray:
        """The number of each entry of an arrow dictionary of names (new names are added)."""
        if self._last is not None and self._last[0].equals(dictionary):
            return self._last[1]
        try:
            entries = dictionary.to_pylist()
        except UnicodeDecodeError:
            raise MalformedBody("bad_encoding", "A name is not valid UTF-8; write names as "
                                "UTF-8 text.") from None
        index = self.index
        codes = np.fromiter((index.setdefault(name, len(index)) for name in entries),
                            dtype=np.int64, count=len(entries))
        self._last = (dictionary, codes)
        return codes

    def used(self, codes: np.ndarray, label: str) -> tuple[list[str], np.ndarray]:
        """(the names rows refer to, in code order, checked; codes renumbered to them)."""
        names = list(self.index)
        used = np.bincount(codes, minlength=len(names)) > 0
        if not used.all():  # dictionary entries no row refers to are no names of this build
            renumber = np.cumsum(used) - 1
            codes = renumber[codes]
            names = [name for name, u in zip(names, used.tolist()) if u]
        _check_label_names(label, names)
        return names, codes


def _wide_table(pf, schema, columns: list[str]) -> FeatureTable:
    import pyarrow as pa
    import pyarrow.compute as pc

    feature_names = [n for n in columns if n != "image"]
    _require_numbers(schema, feature_names)
    _check_name_array(pa.array(feature_names, pa.string()), "feature")
    image = pf.read(columns=["image"]).column("image").combine_chunks()
    if image.null_count:
        first = _first_null_row(image)
        raise InvalidPayload("wrong_shape", f"{image.null_count} row(s) have no image name "
                             f"(null), the first at row {first}. Give every row an image name.",
                             [{"row": first, "column": "image"}])
    if len(image) == 0:
        raise InvalidPayload("empty_payload", f"The Parquet file has no rows. {PARQUET_HINT}")
    if isinstance(image, pa.DictionaryArray):
        image = image.dictionary.take(image.indices)
    _check_name_array(image, "image")
    if pc.count_distinct(image).as_py() != len(image):
        counts = pc.value_counts(image)
        times = counts.field("counts").to_numpy()
        repeated = np.flatnonzero(times > 1)
        details = [{"image": counts.field("values")[int(i)].as_py(), "times": int(times[i])}
                   for i in repeated[:MAX_OFFENDERS]]
        raise InvalidPayload("duplicate_keys", offender_message(
            f"{len(repeated)} image(s) have more than one row (an image is one row of a wide "
            "file), so nothing was stored", details, len(repeated)), details)
    image_names = image.to_pylist()
    del image

    n_features = len(feature_names)
    batch_rows = max(1, _WIDE_CELLS // max(1, n_features))
    rows, cols, values = [], [], []
    start = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=feature_names):
        # Column by column (contiguous, mostly zeros), then transposed to each image's values
        # together, as JSON lists them: scipy's counting sort, linear.
        col_ptr = np.zeros(n_features + 1, dtype=np.int64)
        at, got = [], []
        for j, arr in enumerate(batch.columns):
            if arr.null_count:
                arr = pc.fill_null(arr, 0)
            column = arr.to_numpy(zero_copy_only=False)
            nz = np.flatnonzero(column)  # NaN and infinities are non-zero: checked below
            at.append(nz)
            got.append(column[nz].astype(np.float64, copy=False))
            col_ptr[j + 1] = col_ptr[j] + len(nz)
        by_feature = sparse.csc_array((np.concatenate(got), np.concatenate(at), col_ptr),
                                      shape=(batch.num_rows, n_features))
        del at, got
        bad = np.flatnonzero(~np.isfinite(by_feature.data))
        if len(bad):
            image_of = by_feature.indices
            _raise_non_finite(bad, by_feature.data, lambda k: {
                "image": image_names[start + int(image_of[k])],
                "feature": feature_names[int(np.searchsorted(col_ptr, k, side="right")) - 1],
                "row": start + int(image_of[k])})
        by_image = by_feature.tocsr()
        del by_feature
        rows.append(np.repeat(np.arange(start, start + batch.num_rows, dtype=np.int64),
                              np.diff(by_image.indptr)))
        cols.append(by_image.indices)
        values.append(by_image.data)
        start += batch.num_rows
    return FeatureTable(image_names, feature_names, _joined(rows, np.int64),
                        _joined(cols, np.int64), _joined(values, np.float64))


def _joined(pieces: list[np.ndarray], dtype) -> np.ndarray:
    """The pieces end to end; the list is emptied, so each piece is freed once copied."""
    out = np.empty(sum(map(len, pieces)), dtype=dtype)
    pos = 0
    while pieces:
        piece = pieces.pop(0)
        out[pos:pos + len(piece)] = piece
        pos += len(piece)
    return out


def _is_text(t) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _require_text(schema, column: str) -> None:
    t = schema.field(column).type
    if not _is_text(t):
        raise InvalidPayload("wrong_shape", f"The `{column}` column holds {t}, not text: names "
                             f"are strings. {PARQUET_HINT}", [{"column": column, "type": str(t)}])


def _require_numbers(schema, columns: list[str]) -> None:
    import pyarrow as pa

    bad = [(c, schema.field(c).type) for c in columns
           if not (pa.types.is_integer(schema.field(c).type)
                   or pa.types.is_floating(schema.field(c).type))]
    if bad:
        details = [{"column": c, "type": str(t)} for c, t in bad[:MAX_OFFENDERS]]
        raise InvalidPayload("wrong_shape", offender_message(
            f"{len(bad)} value column(s) do not hold numbers (integers or floats; booleans and "
            f"text are refused, as in JSON). {PARQUET_HINT}", details, len(bad)), details)


def _check_name_array(names, label: str) -> None:
    """InvalidPayload for an empty name, or names that cannot be stored, in an arrow array of
    distinct names; MalformedBody when they are not UTF-8 (checked in C, no call per name)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        names.validate(full=True)
    except pa.ArrowInvalid:
        raise MalformedBody("bad_encoding", f"A{'n' if label == 'image' else ''} {label} name "
                            "is not valid UTF-8; write names as UTF-8 text.") from None
    lengths = pc.utf8_length(names).to_numpy(zero_copy_only=False)
    if (lengths == 0).any():
        raise InvalidPayload("empty_name", f"A{'n' if label == 'image' else ''} {label} has an "
                             f"empty name; give every {label} a name.", [{label: ""}])
    with_nul = pc.match_substring(names, "\x00").to_numpy(zero_copy_only=False)
    bad = np.flatnonzero((lengths > name_limit(label)) | with_nul)
    if len(bad):  # the same answer as a JSON body with these names
        check_label_names(label, [names[int(i)].as_py() for i in bad])


def _first_null_row(column) -> int:
    import pyarrow.compute as pc

    return int(np.flatnonzero(pc.is_null(column).to_numpy(zero_copy_only=False))[0])


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:10])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 10 else "")


def _raise_non_finite(bad: np.ndarray, values: np.ndarray, where) -> None:
    """InvalidPayload listing the first non-finite values; `where(k)` names entry k."""
    details = []
    for k in bad[:MAX_OFFENDERS].tolist():
        v = float(values[k])
        details.append({**where(k), "value": repr(v),
                        "problem": "not a finite number (NaN or Infinity); send null (or "
                                   "nothing) for a missing value"})
    raise InvalidPayload("bad_value", offender_message(
        f"{len(bad)} feature value(s) are not finite numbers or null", details, len(bad)),
        details)


def _reject_repeated_pairs(rows: np.ndarray, cols: np.ndarray, image_names: list[str],
                           feature_names: list[str]) -> None:
    """InvalidPayload listing the (image, feature) pairs given more than once."""
    n_features = len(feature_names)
    key = rows * n_features + cols
    if len(key) < 2 or (key[1:] > key[:-1]).all():  # written in order: nothing can repeat
        return
    pairs = len(image_names) * n_features
    if pairs <= _PAIR_MAP_MAX:
        seen = np.zeros(pairs, dtype=np.uint8)
        seen[key] = 1
        if int(np.count_nonzero(seen)) == len(key):
            return
        del seen
    key.sort()
    same = key[1:] == key[:-1]
    if not same.any():
        return
    repeated, first = np.unique(key[1:][same], return_counts=True)
    details = [{"image": image_names[k // n_features], "feature": feature_names[k % n_features],
                "times": int(t) + 1} for k, t in zip(repeated[:MAX_OFFENDERS].tolist(),
                                                     first[:MAX_OFFENDERS].tolist())]
    raise InvalidPayload("duplicate_keys", offender_message(
        f"{len(repeated)} (image, feature) pair(s) appear in more than one row (each image "
        "must name a feature once), so nothing was stored", details, len(repeated)), details)


# ------------------------------------------------------------------------------------- NDJSON

def features_from_ndjson(raw: bytes, parallel_from: int = PARALLEL_PARSE_BYTES) -> FeatureTable:
    """The checked table of a UTF-8 NDJSON body: one {"image": name, "features": {...}} per
    line (blank lines are skipped); the same rules as a JSON body. A body of `parallel_from`
    bytes or more (0: none) is read by two processes at once, cut between two lines."""
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM):]
    if worth_splitting(raw, parallel_from):
        table = _ndjson_in_halves(raw)
        if table is not None:
            return table
    return _ndjson_table(raw)


def _ndjson_in_halves(raw: bytes) -> FeatureTable | None:
    """The table of `raw` read as its lines before and after a line break near the middle
    (lines are independent: the halves mean what the whole does), or None: then the whole body
    is read, and its errors give the body's line numbers. An image on lines of both halves is
    refused by that whole read."""
    cut = raw.find(b"\n", len(raw) // 2)
    if cut < 0 or raw.startswith(UTF8_BOM, cut + 1):  # a mark is ignored only at the start
        return None
    try:
        return tables_in_halves(lambda: raw[:cut + 1], lambda: raw[cut + 1:], _ndjson_table)
    except RepeatedAcrossHalves:
        return None


def _ndjson_table(raw: bytes) -> FeatureTable:
    ends = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 0x0A).tolist()
    if not raw.endswith(b"\n"):
        ends.append(len(raw))
    image_names: list[str] = []
    codes: dict[str, int] = {}
    counts, col_parts, value_parts = [], [], []
    members = 0
    start = 0
    for first in range(0, len(ends), _NDJSON_LINES):
        last = ends[min(first + _NDJSON_LINES, len(ends)) - 1]
        lines = raw[start:last].split(b"\n")
        numbers = [first + 1 + i for i, line in enumerate(lines) if line.strip()]
        lines = [line for line in lines if line.strip()]
        start = last + 1
        if not lines:
            continue
        names, per_image = _ndjson_batch(lines, numbers)
        image_names.extend(names)
        n = np.fromiter(map(len, per_image), dtype=np.int64, count=len(per_image))
        counts.append(n)
        members += 2 * len(lines) + int(n.sum())
        cols, values = _batch_columns(per_image, int(n.sum()), codes, names, numbers)
        col_parts.append(cols)
        value_parts.append(values)
    if not image_names:
        raise InvalidPayload("empty_payload", f"The body has no lines. {NDJSON_HINT}")
    counts = np.concatenate(counts)
    cols, values = _joined(col_parts, np.int64), _joined(value_parts, np.float64)
    feature_names = list(codes)
    _check_names(image_names, feature_names)
    _reject_repeated_images(image_names)
    _reject_repeated_ndjson_keys(raw, members, image_names, feature_names, cols)
    values[np.isnan(values)] = 0.0  # null
    rows = np.repeat(np.arange(len(image_names), dtype=np.int64), counts)
    return FeatureTable(image_names, feature_names, rows, cols, values)


def _ndjson_batch(lines: list[bytes], numbers: list[int]) -> tuple[list[str], list[dict]]:
    """(image names, feature objects) of a batch of non-blank lines, checked for shape."""
    try:
        objs = orjson.loads(b"[" + b",".join(lines) + b"]")
    except orjson.JSONDecodeError:
        objs = None
    if objs is None or len(objs) != len(lines):  # find the line and say what is wrong with it
        for line, number in zip(lines, numbers):
            if line.startswith(UTF8_BOM):  # parse_json would ignore it, as at a body's start
                raise MalformedBody(
                    "malformed_json", f"Line {number} starts with a byte-order mark (U+FEFF): "
                    f"only the body's first line may. {NDJSON_HINT}", [{"line": number}])
            try:
                parse_json(line)
            except DomainError as exc:
                raise type(exc)(exc.code, f"Line {number}: {exc.message}",
                                [{**d, "line": number} for d in exc.details]) from None
            if len(orjson.loads(b"[" + line + b"]")) != 1:
                raise MalformedBody("malformed_json", f"Line {number} holds more than one JSON "
                                    f"value. {NDJSON_HINT}", [{"line": number}])
        raise AssertionError("a batch that does not parse has a line that does not")
    try:
        if all(type(o) is dict and len(o) == 2 for o in objs):
            names = list(map(itemgetter("image"), objs))
            per_image = list(map(itemgetter("features"), objs))
            if (all(type(n) is str for n in names)
                    and all(type(f) is dict for f in per_image)):
                return names, per_image
    except KeyError:
        pass
    for obj, number in zip(objs, numbers):
        problem = _line_problem(obj)
        if problem:
            raise InvalidPayload("wrong_shape", f"Line {number} {problem}. {NDJSON_HINT}",
                                 [{"line": number, "problem": problem}])
    raise AssertionError("a batch refused for its shape has a line of the wrong shape")


def _line_problem(obj: object) -> str | None:
    if type(obj) is not dict:
        return f"is a JSON {json_type(obj)}, not an object"
    if set(obj) != {"image", "features"}:
        return (f"has the keys {sorted(obj)}; it must have exactly \"image\" and \"features\"")
    if type(obj["image"]) is not str:
        return f"has an image that is a JSON {json_type(obj['image'])}, not a string"
    if type(obj["features"]) is not dict:
        return f"has features that are a JSON {json_type(obj['features'])}, not an object"
    return None


def _batch_columns(per_image: list[dict], n_values: int, codes: dict[str, int],
                   names: list[str], numbers: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(feature code of each value, values with null -> NaN) of a batch of feature objects,
    as a JSON body's (features.fill_columns); `codes` numbers feature names across batches in
    order of first appearance. A bad value is refused naming its line."""
    try:
        return fill_columns(per_image, n_values, codes)
    except (TypeError, OverflowError):
        _raise_bad_values(names, per_image, numbers)


def _raise_bad_values(names: list[str], per_image: list[dict], numbers: list[int]) -> None:
    details, total = [], 0
    for name, feats, number in zip(names, per_image, numbers):
        for feat, v in feats.items():
            if v is None or (type(v) in (int, float) and abs(v) <= 1.7e308):
                continue
            total += 1
            if len(details) < MAX_OFFENDERS:
                problem = ("a boolean; send 1 or 0" if isinstance(v, bool) else
                           "not a finite number (too large)" if isinstance(v, (int, float)) else
                           f"a JSON {json_type(v)}; send a number or null")
                details.append({"line": number, "image": name, "feature": feat,
                                "value": short_repr(v), "problem": problem})
    raise InvalidPayload("bad_value", offender_message(
        f"{total} feature value(s) are not finite numbers or null", details, total), details)


def _check_names(image_names: list[str], feature_names: list[str]) -> None:
    _check_label_names("image", image_names)
    _check_label_names("feature", feature_names)


def _check_label_names(label: str, names: list[str]) -> None:
    """InvalidPayload for an empty name, or names that cannot be stored (NUL, too long)."""
    if "" in names:
        raise InvalidPayload("empty_name", f"A{'n' if label == 'image' else ''} {label} has "
                             f"an empty name; give every {label} a name.", [{label: ""}])
    check_label_names(label, names)


def _reject_repeated_images(image_names: list[str]) -> None:
    if len(set(image_names)) == len(image_names):
        return
    seen: dict[str, int] = {}
    for name in image_names:
        seen[name] = seen.get(name, 0) + 1
    repeated = [(n, t) for n, t in seen.items() if t > 1]
    details = [{"image": n, "times": t} for n, t in repeated[:MAX_OFFENDERS]]
    raise InvalidPayload("duplicate_keys", offender_message(
        f"{len(repeated)} image(s) are on more than one line (each image must be sent once), "
        "so nothing was stored", details, len(repeated)), details)


def _reject_repeated_ndjson_keys(raw: bytes, members: int, image_names: list[str],
                                 feature_names: list[str], cols: np.ndarray) -> None:
    """A key given twice in one line's object (a feature, or "image"/"features") is refused:
    the colon count of data/payloads/duplicates.py proves there is none, or each line is
    parsed again in Python to name them."""
    colons = count_byte(raw, b":")
    if colons == members:
        return
    per_feature = np.bincount(cols, minlength=len(feature_names))
    in_strings = "\n".join(image_names).count(":") + int(
        per_feature @ np.fromiter((f.count(":") for f in feature_names), dtype=np.int64,
                                  count=len(feature_names)))
    if colons == members + in_strings and b"\\u003" not in raw:
        return
    details, total = [], 0
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        for path, key, times in repeated_keys(line):
            total += 1
            if len(details) < MAX_OFFENDERS:
                image = orjson.loads(line).get("image")
                where = {"image": image, "feature": key} if path else {"key": key}
                details.append({"line": number, **where, "times": times})
    if total:
        raise InvalidPayload("duplicate_keys", offender_message(
            f"{total} key(s) appear more than once in one line's object (a JSON parser would "
            "silently keep only the last), so nothing was stored", details, total), details)
