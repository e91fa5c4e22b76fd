"""Decompressing a `Content-Encoding: gzip` body: completely and exactly, or not at all.

A body is one gzip member or several one after another (RFC 1952 §2.2; `cat a.gz b.gz` and
`gzip -dc` decodes them all). A stream cut short, a failed CRC or length check, or bytes after
the last member that are not another member is a MalformedBody naming the problem, never a
shorter body. The decompressed size is capped across all members together, and no more than
the cap (+1 byte) is ever inflated, so a small bomb cannot exhaust memory.
"""

from __future__ import annotations

import zlib

from data.domain.errors import BodyTooLarge, MalformedBody

GZIP_MAGIC = b"\x1f\x8b"


def too_large(limit: int, decompressed: bool = False) -> BodyTooLarge:
    what = "decompressed body" if decompressed else "body"
    return BodyTooLarge("body_too_large",
                        f"The {what} is over the {limit:,}-byte limit of this route "
                        "(MAX_INGEST_BYTES for features and metrics, MAX_BODY_BYTES for the "
                        "others). Split the delivery or ask the operator to raise the limit.")


def gunzip(raw: bytes, limit: int) -> bytes:
    """Every member of the gzip body `raw`, decompressed and joined; BodyTooLarge past `limit`
    bytes of output, MalformedBody when it is not whole, valid gzip."""
    if not raw.startswith(GZIP_MAGIC):
        raise _not_gzip(raw, 0, 1)
    # One member (what gzip writes): one call, no copy of the output.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = _inflate(inflater, raw, limit + 1, 1, 0)
    if len(out) > limit:
        raise too_large(limit, decompressed=True)
    if not inflater.eof:
        raise _cut_short(raw, 1)
    if not inflater.unused_data:
        return out
    # More members follow. Each is fed in growing slices, so finding where it ends copies
    # little of what follows it (zlib copies the input after a member's end).
    pieces, size, member = [out], len(out), 1
    offset, view = len(raw) - len(inflater.unused_data), memoryview(raw)
    while offset < len(raw):
        member += 1
        if raw[offset:offset + 2] != GZIP_MAGIC:
            raise _not_gzip(raw, offset, member)
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pos, step = offset, 256
        while not inflater.eof:
            if pos >= len(raw):
                raise _cut_short(raw, member)
            piece = view[pos:pos + step]
            pos, step = pos + len(piece), min(step * 2, 1 << 24)
            out = _inflate(inflater, piece, limit + 1 - size, member, offset)
            size += len(out)
            if size > limit:
                raise too_large(limit, decompressed=True)
            pieces.append(out)
        offset = pos - len(inflater.unused_data)
    return b"".join(pieces)


def _inflate(inflater, data, max_length: int, member: int, offset: int) -> bytes:
    """Inflate `data` (at most `max_length` bytes out: past it the caller refuses the body)."""
    try:
        return inflater.decompress(data, max_length)
    except zlib.error as exc:
        raise MalformedBody("bad_gzip", f"The gzip body is damaged (member {member}, which "
                            f"starts at byte {offset}): {_reason(exc)}. Nothing was stored; "
                            "send the file again.", [{"member": member, "offset": offset}]) from None


def _cut_short(raw: bytes, member: int) -> MalformedBody:
    return MalformedBody("bad_gzip", f"The gzip body is cut short: member {member} ends at byte "
                         f"{len(raw):,} without its end-of-stream marker and checksum. Nothing "
                         "was stored; send the whole file.",
                         [{"member": member, "received_bytes": len(raw)}])


def _not_gzip(raw: bytes, offset: int, member: int) -> MalformedBody:
    if member == 1:
        return MalformedBody("bad_gzip", "Content-Encoding: gzip was sent, but the body is not "
                             "gzip data (it does not start with the bytes 1f 8b). Send the gzip "
                             "file, or drop the Content-Encoding header.")
    return MalformedBody("bad_gzip", f"The gzip body has {len(raw) - offset:,} byte(s) after its "
                         f"end (at byte {offset}) that are not another gzip member. Nothing was "
                         "stored; send the gzip file exactly as written.",
                         [{"trailing_bytes": len(raw) - offset, "offset": offset}])


def _reason(exc: zlib.error) -> str:
    text = str(exc)
    if "incorrect data check" in text:
        return "its CRC-32 checksum does not match the data"
    if "incorrect length check" in text:
        return "its recorded length does not match the data"
    return text.split(": ", 1)[-1]
