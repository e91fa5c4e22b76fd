"""Text encodings of request bodies: decoding what the `charset` parameter declares, and naming
the real problem when a body is not in the encoding it should be.

A JSON body must be UTF-8 (RFC 8259 §8.1); one that declares another supported charset is
transcoded to UTF-8 first. A CSV body is UTF-8 unless its charset says otherwise. A UTF-8 byte
order mark is ignored in both (RFC 8259 lets a parser ignore it; Excel writes it).
"""

from __future__ import annotations

import codecs

from data.domain.errors import MalformedBody

UTF8_BOM = codecs.BOM_UTF8
# codecs.lookup() name -> the name messages use. Aliases (latin-1, l1, cp1252, utf8, ascii...)
# are resolved by codecs.lookup.
SUPPORTED = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-16-le": "utf-16le",
             "utf-16-be": "utf-16be", "iso8859-1": "iso-8859-1", "cp1252": "windows-1252",
             "ascii": "us-ascii"}
SUPPORTED_NAMES = ("utf-8", "utf-16 (with a byte-order mark)", "utf-16le", "utf-16be",
                   "iso-8859-1 (latin-1)", "windows-1252", "us-ascii")


def codec_of(charset: str | None) -> str | None:
    """The codec a declared `charset` names ('utf-8' when none is declared); None when it is
    not one this server decodes."""
    if charset is None or not charset.strip():
        return "utf-8"
    try:
        name = codecs.lookup(charset.strip().strip('"')).name
    except LookupError:
        return None
    return name if name in SUPPORTED else None


def json_utf8(raw: bytes, codec: str) -> bytes:
    """The JSON body as UTF-8 bytes: `raw` itself when it is declared UTF-8 (the parser checks
    it, and `utf8_problem` explains what it refuses), else transcoded from the declared codec."""
    if codec == "utf-8":
        return raw
    return decode_text(raw, codec).encode("utf-8")


def decode_text(raw: bytes, codec: str) -> str:
    """The body as text in the declared codec (a leading BOM dropped). MalformedBody naming the
    byte where it stops being that encoding, or that it is UTF-16 when UTF-8 was meant."""
    if codec == "utf-8":
        foreign = utf16_or_32(raw)
        if foreign:
            raise MalformedBody("bad_encoding", f"The body is {foreign}, not UTF-8: send UTF-8, "
                                "or declare the encoding (Content-Type: text/csv; "
                                "charset=utf-16).")
        codec = "utf-8-sig"
    elif codec == "utf-16" and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise MalformedBody("bad_encoding", "charset=utf-16 needs a byte-order mark (FF FE or "
                            "FE FF) at the start of the body; without one, declare utf-16le or "
                            "utf-16be.")
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if codec == "utf-8-sig" else SUPPORTED.get(codec, codec)
        hint = (" If the file is Latin-1 or Windows-1252, declare it (Content-Type: ...; "
                "charset=iso-8859-1 or charset=windows-1252) or re-encode it as UTF-8."
                if name == "UTF-8" else "")
        raise MalformedBody("bad_encoding", f"The body is not valid {name}: invalid {name} at "
                            f"byte {exc.start} ({exc.reason}).{hint}",
                            [{"position": exc.start, "encoding": name}]) from None
    return text[1:] if codec.startswith("utf-16") and text.startswith("\ufeff") else text


def utf16_or_32(raw: bytes) -> str | None:
    """'UTF-16' / 'UTF-32' (with byte order) when the body's first bytes say so — a byte-order
    mark, or the NUL bytes an ASCII first character has in those encodings (RFC 4627 §3) —
    else None."""
    head = raw[:4]
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return "UTF-32 (with a byte-order mark)"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "UTF-16 (little-endian, with a byte-order mark)"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "UTF-16 (big-endian, with a byte-order mark)"
    if len(head) == 4:
        if head[:3] == b"\0\0\0" and head[3]:
            return "UTF-32 (big-endian)"
        if head[0] and head[1:] == b"\0\0\0":
            return "UTF-32 (little-endian)"
    if len(head) >= 2:
        if head[0] == 0 and head[1]:
            return "UTF-16 (big-endian)"
        if head[0] and head[1] == 0:
            return "UTF-16 (little-endian)"
    return None


def utf8_problem(raw: bytes) -> tuple[str, int] | None:
    """(a sentence saying how `raw` is not UTF-8, byte) when it is not; None when it is."""
    foreign = utf16_or_32(raw)
    if foreign:
        return f"The body is {foreign}", 0
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"The body is not UTF-8: invalid UTF-8 at byte {exc.start} ({exc.reason})", exc.start
    return None
