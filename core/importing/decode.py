"""Text encoding of an uploaded CSV: BOM → strict UTF-8 → strict GB18030 → detector, or the user's choice."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import chardet

from core.importing.errors import FileRefused, Notice
from core.importing.sniff import utf16_byte_order

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# GB18030 decodes almost any byte soup; private-use characters are the tell that it was not GB text.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
_UTF8_THREE_BYTES = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}")
_DETECTOR_SAMPLE = 2 * 1024 * 1024
_CHECK_SLICE = 8 * 1024 * 1024


@dataclass
class Decoded:
    """The upload as UTF-8 bytes without BOM, and how its encoding was found."""

    utf8: bytes
    encoding: str  # a Python codec name: utf-8, utf-8-sig, gbk, gb18030, utf-16-le, cp1252 ...
    method: str  # override | bom | pattern (BOM-less UTF-16) | utf-8 | gb18030 | detector
    confidence: float | None = None
    notices: list[Notice] = field(default_factory=list)

    @property
    def has_bom(self) -> bool:
        return self.method == "bom"


def decode_bytes(data: bytes, *, encoding: str | None = None, min_confidence: float = 0.5) -> Decoded:
    """Find the encoding of `data` (or apply `encoding`) and return the text as UTF-8 bytes.

    Raises FileRefused when the encoding cannot be established or the bytes do not fit it,
    and when the text holds NUL characters.
    """
    decoded = _decode_override(data, encoding) if encoding else _decode_auto(data, min_confidence)
    _refuse_nul(decoded.utf8)
    return decoded


def _decode_override(data: bytes, encoding: str) -> Decoded:
    try:
        name = codecs.lookup(encoding.strip()).name
    except LookupError:
        raise FileRefused("encoding_unsupported", encoding=encoding) from None
    if name == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        name = "utf-8-sig"
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise FileRefused("encoding_mismatch", encoding=encoding, line=_line_of(data, exc.start)) from None
    if name == "utf-8":
        return Decoded(data, name, "override")
    return Decoded(text.removeprefix("\ufeff").encode("utf-8"), name, "override")


def _decode_auto(data: bytes, min_confidence: float) -> Decoded:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_with_bom(data, bom, name)
    order = utf16_byte_order(data)
    if order is not None:
        try:
            return Decoded(data.decode(order).encode("utf-8"), order, "pattern")
        except UnicodeDecodeError:
            pass
    if _valid_utf8(data):
        return Decoded(data, "utf-8", "utf-8")
    _refuse_mixed_utf8(data)
    # GBK is a subset of GB18030 (every GBK byte pair decodes the same in both), so trying the
    # narrower, familiar name first costs nothing and names the encoding the way users know it.
    for name in ("gbk", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _PRIVATE_USE.search(text):
            break
        return Decoded(text.encode("utf-8"), name, "gb18030")
    return _decode_detected(data, min_confidence)


def _decode_with_bom(data: bytes, bom: bytes, name: str) -> Decoded:
    body = data[len(bom) :]
    codec = "utf-8" if name == "utf-8-sig" else name
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        # The BOM promises one encoding; bytes that break it mean a damaged or mixed file.
        raise FileRefused("encoding_mismatch", encoding=name, line=_line_of(body, exc.start, codec)) from None
    if codec == "utf-8":
        return Decoded(body, name, "bom")
    return Decoded(text.encode("utf-8"), name, "bom")


def _decode_detected(data: bytes, min_confidence: float) -> Decoded:
    guess = chardet.detect(data[:_DETECTOR_SAMPLE])
    name = guess.get("encoding")
    confidence = float(guess.get("confidence") or 0.0)
    shown = name or "—"
    if not name or confidence < min_confidence:
        raise FileRefused("encoding_unknown", guess=shown, confidence=round(confidence * 100))
    try:
        codec = codecs.lookup(name).name
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        raise FileRefused("encoding_unknown", guess=shown, confidence=round(confidence * 100)) from None
    notice = Notice("encoding_guessed", {"encoding": codec, "confidence": round(confidence * 100)})
    return Decoded(text.encode("utf-8"), codec, "detector", confidence, [notice])


def _valid_utf8(data: bytes) -> bool:
    """Strict UTF-8 check in slices, so a large file is never held twice as a str."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    view = memoryview(data)
    try:
        for start in range(0, len(data), _CHECK_SLICE):
            decoder.decode(view[start : start + _CHECK_SLICE], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_mixed_utf8(data: bytes) -> None:
    """Refuse a file whose lines are mostly UTF-8 Chinese text with a few lines in another encoding.

    Lines in GBK almost never form valid UTF-8 three-byte sequences, so several such lines
    next to invalid ones mean two encodings were pasted together.
    """
    utf8_lines = 0
    bad_lines: list[int] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad_lines.append(number)
            continue
        if _UTF8_THREE_BYTES.search(line):
            utf8_lines += 1
        if len(bad_lines) >= 50 and utf8_lines * 10 < len(bad_lines):
            return  # plainly another encoding throughout, not a mixture
    if utf8_lines >= 2 and utf8_lines >= len(bad_lines):
        shown = ", ".join(str(n) for n in bad_lines[:5]) + (" …" if len(bad_lines) > 5 else "")
        raise FileRefused("mixed_encoding", lines=shown)


def _refuse_nul(utf8: bytes) -> None:
    position = utf8.find(b"\x00")
    if position >= 0:
        raise FileRefused("nul_bytes", line=utf8.count(b"\n", 0, position) + 1)


def _line_of(data: bytes, position: int, codec: str = "") -> int:
    """1-based line of a byte offset (UTF-16/32 newlines are counted in their own width)."""
    if codec.startswith("utf-16"):
        newline = "\n".encode(codec)
        return data[:position].count(newline) + 1
    if codec.startswith("utf-32"):
        return data[:position].count("\n".encode(codec)) + 1
    return data.count(b"\n", 0, position) + 1
