"""Writing a build's parts on PostgreSQL with COPY ... FROM STDIN (FORMAT BINARY).

An INSERT with 32 MB bytea parameters (psycopg's executemany) took ~3.5 s for the 58 MB of a
100k x 480 build (10%); a binary COPY of the same bytes ~0.7 s, streamed straight from the
serialised matrix (memoryview slices, no copy per part). Migration 0008 stores the column
uncompressed (STORAGE EXTERNAL): lz4 shrinks the parts by 5% and nearly doubles the COPY's time
(docs/ingest-formats.md, PostgreSQL).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.storage.models import BuildPart

_COPY = (f"COPY {BuildPart.__tablename__} (build_id, part, data) "
         "FROM STDIN (FORMAT BINARY)")


def copy_build_parts(s: Session, build_id: int, blob: bytes, part_bytes: int) -> None:
    """Write `blob` as the parts (part_bytes each, at least one) of build `build_id`, inside
    the session's transaction."""
    view = memoryview(blob)
    with s.connection().connection.driver_connection.cursor() as cur:
        with cur.copy(_COPY) as copy:
            copy.set_types(["int4", "int4", "bytea"])
            for i, off in enumerate(range(0, max(len(blob), 1), part_bytes)):
                copy.write_row((build_id, i, view[off:off + part_bytes]))
