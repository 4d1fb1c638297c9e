"""What kind of file an upload really is, and whether it is safe to open (size, ZIP and XML checks)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from core.importing.errors import FileRefused, Notice

MB = 1024 * 1024
# 100 MB / 1,000,000 rows must pass; the rest is headroom for wide exports.
MAX_BYTES = 256 * MB


@dataclass(frozen=True)
class XlsxLimits:
    """How far a workbook may unpack before it is treated as hostile."""

    max_entries: int = 10_000
    max_unpacked_bytes: int = 1024 * MB
    # Real sheets compress 2-20 fold; only parts big enough to matter are held to the ratio.
    max_ratio: float = 100.0
    ratio_min_bytes: int = 1 * MB


@dataclass
class FileKind:
    """The verdict on an upload: 'csv' (any delimited text) or 'xlsx', plus anything worth telling."""

    kind: str
    extension: str
    notices: list[Notice] = field(default_factory=list)


_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Signatures of files people pick by mistake: (magic, English name, Chinese name).
_BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "PNG 图片"),
    (b"\xff\xd8\xff", "a JPEG image", "JPEG 图片"),
    (b"GIF87a", "a GIF image", "GIF 图片"),
    (b"GIF89a", "a GIF image", "GIF 图片"),
    (b"%PDF-", "a PDF document", "PDF 文档"),
    (b"\x1f\x8b", "a gzip archive", "gzip 压缩包"),
    (b"BZh", "a bzip2 archive", "bzip2 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "7-Zip 压缩包"),
    (b"Rar!\x1a\x07", "a RAR archive", "RAR 压缩包"),
    (b"\x7fELF", "a program (ELF)", "可执行程序（ELF）"),
    (b"MZ", "a Windows program", "Windows 可执行程序"),
    (b"{\\rtf", "an RTF document", "RTF 文档"),
)

_MACRO_CONTENT_TYPE = "macroenabled"
_XLSX_MAIN_PART = "xl/workbook.xml"


def sniff_file(
    data: bytes,
    file_name: str,
    *,
    max_bytes: int = MAX_BYTES,
    xlsx_limits: XlsxLimits | None = None,
) -> FileKind:
    """Decide how to read `data`, or raise FileRefused saying why it cannot be read at all."""
    extension = PurePath(file_name or "").suffix.lower()
    if len(data) == 0:
        raise FileRefused("empty_file")
    if len(data) > max_bytes:
        raise FileRefused("too_large", size_mb=_mb(len(data)), limit_mb=_mb(max_bytes))
    if extension in (".xlsm", ".xltm", ".xlam"):
        raise FileRefused("xlsm")
    if extension == ".xlsb":
        raise FileRefused("xlsb")
    name = PurePath(file_name or "file").name

    if data.startswith(_ZIP_MAGIC) or data.startswith(_EMPTY_ZIP_MAGIC):
        check_xlsx(data, name, limits=xlsx_limits or XlsxLimits())
        kind = FileKind("xlsx", extension)
        if extension not in (".xlsx", ".xltx"):
            kind.notices.append(_mismatch(name, extension, "XLSX"))
        return kind
    if data.startswith(_OLE_MAGIC):
        # A password-protected .xlsx is also an OLE container; its stream names are UTF-16.
        if "EncryptedPackage".encode("utf-16-le") in data[:65536] or extension == ".xlsx":
            raise FileRefused("encrypted_workbook")
        raise FileRefused("legacy_xls")
    for magic, what_en, what_zh in _BINARY_SIGNATURES:
        if data.startswith(magic) and not _looks_like_text(data):
            raise FileRefused("binary_file", name=name, what_en=what_en, what_zh=what_zh)

    head = _text_head(data)
    if head.startswith("<") and any(tag in head for tag in ("<html", "<table", "<body", "<!doctype html")):
        raise FileRefused("html_disguised", name=name)
    if head.startswith("<?xml") and (
        "urn:schemas-microsoft-com:office:spreadsheet" in head or "<workbook" in head
    ):
        raise FileRefused("xml_spreadsheet", name=name)
    if head.startswith("mime-version:") and "multipart/related" in head:
        raise FileRefused("html_disguised", name=name)
    if not _looks_like_text(data):
        raise FileRefused("binary_file", name=name, what_en="binary data", what_zh="二进制数据")
    kind = FileKind("csv", extension)
    if extension in (".xls", ".xlsx"):
        kind.notices.append(_mismatch(name, extension, "CSV"))
    return kind


def check_xlsx(data: bytes, name: str, *, limits: XlsxLimits) -> list[str]:
    """Refuse a workbook that is not one, carries macros, or would unpack into something hostile.

    Declared sizes are checked first (cheap), then every part is actually inflated in a stream
    and counted, because a crafted archive can lie about its sizes. Returns the part names.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise FileRefused("corrupt_workbook", detail=str(exc) or "bad ZIP") from None
    names = [info.filename for info in infos]
    lowered = {n.lower() for n in names}
    if "mimetype" in lowered and b"opendocument.spreadsheet" in data[:200]:
        raise FileRefused("ods")
    if "xl/vbaproject.bin" in lowered:
        raise FileRefused("xlsm")
    if "xl/workbook.bin" in lowered:
        raise FileRefused("xlsb")
    if _XLSX_MAIN_PART not in lowered:
        raise FileRefused("not_a_workbook", name=name)
    if len(infos) > limits.max_entries:
        raise FileRefused("zip_too_many_entries", count=len(infos), limit=limits.max_entries)
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_unpacked_bytes:
        raise FileRefused(
            "zip_too_big_unpacked", size_mb=_mb(declared), limit_mb=_mb(limits.max_unpacked_bytes)
        )
    for info in infos:
        _check_ratio(info.filename, info.file_size, info.compress_size, limits)

    unpacked = 0
    try:
        for info in infos:
            size = 0
            with archive.open(info) as stream:
                guard = (
                    _XmlGuard(info.filename) if info.filename.lower().endswith((".xml", ".rels")) else None
                )
                while chunk := stream.read(MB):
                    size += len(chunk)
                    unpacked += len(chunk)
                    if unpacked > limits.max_unpacked_bytes:
                        raise FileRefused(
                            "zip_too_big_unpacked",
                            size_mb=f"> {_mb(unpacked)}",
                            limit_mb=_mb(limits.max_unpacked_bytes),
                        )
                    _check_ratio(info.filename, size, info.compress_size, limits)
                    if guard is not None:
                        guard.feed(chunk)
                if guard is not None:
                    guard.close()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError) as exc:
        # Includes "Bad CRC-32": a part whose real content differs from what the archive declares.
        raise FileRefused("corrupt_workbook", detail=str(exc) or type(exc).__name__) from None

    content_types = _read_small_xml(archive, "[Content_Types].xml")
    if _MACRO_CONTENT_TYPE in content_types.lower():
        raise FileRefused("xlsm")
    return names


def _check_ratio(entry: str, size: int, compressed: int, limits: XlsxLimits) -> None:
    if size < limits.ratio_min_bytes:
        return
    ratio = size / max(compressed, 1)
    if ratio > limits.max_ratio:
        raise FileRefused("zip_ratio", entry=entry, ratio=f"{ratio:,.0f}")


def _read_small_xml(archive: zipfile.ZipFile, part: str) -> str:
    """A structural part parsed whole with defusedxml (it is small); its text for simple checks."""
    try:
        raw = archive.read(part)
    except KeyError:
        return ""
    guard = _XmlGuard(part, stop_at_root=False)
    guard.feed(raw)
    guard.close()
    return raw.decode("utf-8", errors="replace")


class _RootReached(Exception):
    pass


class _XmlGuard:
    """Feeds a part to defusedxml until its root element opens: DTDs and entities come before it.

    The big sheet parts are left to the spreadsheet reader after that point; the small structural
    parts are parsed to the end (stop_at_root=False).
    """

    def __init__(self, entry: str, *, stop_at_root: bool = True) -> None:
        self.entry = entry
        self.done = False
        target = _StopAtRoot() if stop_at_root else None
        self.parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True)

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        try:
            self.parser.feed(chunk)
        except _RootReached:
            self.done = True
        except DefusedXmlException:
            raise FileRefused("xml_forbidden", entry=self.entry) from None
        except Exception as exc:  # expat's ParseError: the part is not well-formed XML
            raise FileRefused("corrupt_workbook", detail=f"{self.entry}: {exc}") from None

    def close(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            self.parser.close()
        except _RootReached:
            pass
        except DefusedXmlException:
            raise FileRefused("xml_forbidden", entry=self.entry) from None
        except Exception as exc:
            raise FileRefused("corrupt_workbook", detail=f"{self.entry}: {exc}") from None


class _StopAtRoot:
    def start(self, tag: str, attrs: dict) -> None:
        raise _RootReached

    def end(self, tag: str) -> None:
        pass

    def data(self, text: str) -> None:
        pass

    def close(self) -> None:
        return None


def _text_head(data: bytes) -> str:
    """The first bytes as lower-case text without BOM or leading space, for markup checks."""
    head = data[:4096]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore").lstrip().lower()
    if len(head) > 3 and head[1] == 0 and head[3] == 0:
        return head.decode("utf-16-le", errors="ignore").lstrip().lower()
    if len(head) > 3 and head[0] == 0 and head[2] == 0:
        return head.decode("utf-16-be", errors="ignore").lstrip().lower()
    return head.decode("latin-1").lstrip().lower()


def utf16_byte_order(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when BOM-less text shows the zero-byte pattern of UTF-16."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_zero = even.count(0) / len(even)
    odd_zero = odd.count(0) / max(len(odd), 1)
    if odd_zero > 0.3 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.3 and odd_zero < 0.05:
        return "utf-16-be"
    return None


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _looks_like_text(data: bytes) -> bool:
    """Text has almost no control bytes; UTF-16 text has NULs but in a regular pattern."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_byte_order(data):
        return True
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    # A few NULs in otherwise clean text are reported precisely by the decoder (nul_bytes).
    other = controls - sample.count(0)
    return other <= len(sample) * 0.01 and sample.count(0) <= len(sample) * 0.1


def _mismatch(name: str, extension: str, actual: str) -> Notice:
    return Notice("name_mismatch", {"name": name, "named": extension or "—", "actual": actual})


def _mb(size: int) -> str:
    return f"{size / MB:,.1f}"
