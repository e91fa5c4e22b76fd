"""Cost of refusing repeated JSON keys (data/payloads/duplicates.py) on the 100k x 480 body.

    python bench/repeat_check.py [--images 100000] [--repeats 5]

Prints, best of --repeats: orjson.loads of the features body (the parse floor), the colon
count that proves a body has no repeated key, the second-tier count used when names contain
colons, parse + check + build matrix with and without the check, and once, the exact check
that runs only when the count cannot prove it (a body that does repeat a key).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.datagen import generate  # noqa: E402
from data.domain.matrix import matrix_from_table  # noqa: E402
from data.payloads.duplicates import count_byte, repeated_keys  # noqa: E402
from data.payloads.features import features_from_json, validate_features  # noqa: E402
from data.payloads.json_body import parse_json  # noqa: E402


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    raw = generate(args.images).features_body
    # The same body with a colon in every image name: the count's second tier decides.
    with_colons = raw.replace(b'"campaign/img_', b'"https://cdn/img_')
    parse = best(lambda: orjson.loads(raw), args.repeats)
    count = best(lambda: count_byte(raw, b":"), args.repeats)
    table = features_from_json(with_colons)
    second = best(lambda: (count_byte(with_colons, b"\\"), count_byte(with_colons, b":"),
                           "\n".join(table.image_names).count(":")), args.repeats)
    plain = best(lambda: matrix_from_table(validate_features(parse_json(raw))), args.repeats)
    # one process, as `plain` (a large body is otherwise read in two: docs/ingest-formats.md)
    checked = best(lambda: matrix_from_table(features_from_json(raw, 0)), args.repeats)
    checked_colons = best(lambda: matrix_from_table(features_from_json(with_colons, 0)),
                          args.repeats)
    exact = best(lambda: repeated_keys(raw), 1)
    print(f"features body: {len(raw) / 1e6:.1f} MB, {args.images:,} images")
    print(f"orjson.loads (parse floor)                 {parse:7.3f} s")
    print(f"colon count (the check, names without ':') {count:7.3f} s  "
          f"({100 * count / parse:.1f}% of the parse)")
    print(f"second tier (names with ':')               {second:7.3f} s  "
          f"({100 * second / parse:.1f}% of the parse)")
    print(f"parse + validate + matrix, no check        {plain:7.3f} s  ({plain / parse:.2f}x parse)")
    print(f"the same with the check                    {checked:7.3f} s  ({checked / parse:.2f}x parse)")
    print(f"the same, names with ':'                   {checked_colons:7.3f} s  "
          f"({checked_colons / parse:.2f}x parse)")
    print(f"exact check (only when a key may repeat)   {exact:7.3f} s  ({exact / parse:.1f}x parse)")


if __name__ == "__main__":
    main()
