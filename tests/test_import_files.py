"""Reading uploaded complaint files: real exports in, and every kind of bad file refused clearly."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from core.importing.errors import FileRefused
from core.importing.prepare import read_complaint_file
from core.importing.reader import read_table, sniff_delimiter
from core.importing.sniff import XlsxLimits

REAL = Path(__file__).resolve().parents[2] / "shared/data/real"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real sample files not present at {REAL}")


def real(name: str) -> bytes:
    return (REAL / name).read_bytes()


def xlsx(
    rows: list[list], *, sheet: str = "Sheet1", formats: dict[int, str] | None = None, extra_sheets=()
) -> bytes:
    """A workbook built in memory; native datetimes/times are written as real date cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet_obj = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    time_format = book.add_format({"num_format": "hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet_obj.write_datetime(r, c, value, date_format)
            elif isinstance(value, dt.time):
                sheet_obj.write_datetime(r, c, value, time_format)
            elif value is not None:
                sheet_obj.write(r, c, value)
    for name in extra_sheets:
        book.add_worksheet(name)
    book.close()
    return buffer.getvalue()


def rezip(
    data: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of a zip with some parts replaced or added (deflated)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = (replace or {}).get(info.filename, source.read(info.filename))
            target.writestr(info.filename, body)
        for name, body in (add or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def refusal(data: bytes, name: str, **kwargs) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read_complaint_file(data, name, **kwargs)
    return caught.value


MINIMAL = xlsx([["投诉编号", "受理时间"], ["C1", "2024-03-05 09:30"]])


# --- real exports -------------------------------------------------------------------------


@needs_real
def test_gbk_car_file_reads_with_its_repeated_ids_visible():
    prepared = read_complaint_file(
        real("car_complaints_12365auto_gbk.csv"), "car_complaints_12365auto_gbk.csv"
    )
    assert prepared.encoding == "gbk"
    assert prepared.rows_read == 300
    assert prepared.columns[0] == "column_1"  # the file's first header cell is empty
    assert prepared.mapping["id"] == "id" and prepared.mapping["received_at"] == "complain_time"
    assert prepared.ready and prepared.errors.empty
    repeated = next(n for n in prepared.notices if n.code == "repeated_ids")
    assert repeated.params["count"] == 30
    assert "30 id(s) appear more than once" in repeated.message("en")
    assert prepared.fields["id"].duplicated().sum() == 30
    assert prepared.fields.loc[2, "description"] == "一汽大众速腾方向盘出现脱皮现象"
    assert prepared.fields.loc[2, "received_at"] == pd.Timestamp("2020-06-22")


@needs_real
def test_nyc311_reads_bom_crlf_month_first_and_open_cases():
    data = real("nyc311_2018-10-21.csv")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data[:2000]
    prepared = read_complaint_file(data, "nyc311_2018-10-21.csv")
    assert (prepared.encoding, prepared.delimiter, prepared.rows_read) == ("utf-8-sig", ",", 6765)
    assert prepared.columns[0] == "Unique Key"  # no BOM left in the first title
    assert prepared.mapping["id"] == "Unique Key"
    assert prepared.mapping["received_at"] == "Created Date"
    assert prepared.mapping["resolved_at"] == "Closed Date"
    assert prepared.date_orders == {"Created Date": "month_first", "Closed Date": "month_first"}
    assert prepared.errors.empty and prepared.ready
    assert prepared.fields["resolved_at"].isna().sum() == 4324  # open cases have no closed date
    assert prepared.fields.loc[2, "received_at"] == pd.Timestamp("2018-10-21 00:00")
    assert prepared.fields.loc[2, "resolved_at"] == pd.Timestamp("2018-10-21 00:59")
    variants = next(n for n in prepared.notices if n.code == "category_variants")
    assert "PLUMBING / Plumbing" in variants.params["groups"]
    plumbing = prepared.fields[prepared.fields["category_key"] == "plumbing"]["category"]
    assert set(plumbing) == {"PLUMBING", "Plumbing"}  # grouped, but kept as written


@needs_real
def test_gov_hotline_xlsx_multiline_cells_and_mixed_native_and_text_dates():
    prepared = read_complaint_file(real("gov_hotline_messages_replies_zh.xlsx"), "gov.xlsx")
    assert prepared.kind == "xlsx" and prepared.sheet_names == ["Sheet1"]
    assert prepared.rows_read == 2816
    assert prepared.mapping["id"] == "留言编号"
    assert prepared.mapping["received_at"] == "留言时间"
    assert prepared.mapping["resolved_at"] == "答复时间"
    assert prepared.errors.empty and prepared.ready
    assert prepared.fields.loc[2, "id"] == "2549"  # a numeric cell, without ".0"
    assert isinstance(prepared.original.loc[7, "留言时间"], dt.datetime)  # the one native date cell
    assert prepared.fields.loc[7, "received_at"] == pd.Timestamp("2019-04-08 08:37:20")
    assert prepared.fields.loc[2, "received_at"] == pd.Timestamp("2019-04-25 09:32:09")
    assert prepared.fields.loc[1141, "resolved_at"] == pd.Timestamp("2018-04-24")  # date-only text
    assert any(n.code == "mixed_date_cells" for n in prepared.notices)
    assert "\n" in prepared.original.loc[2, "留言详情"]
    description = prepared.fields.loc[2, "description"]
    assert description.startswith("2019年4月以来") and not description[0].isspace()


@needs_real
def test_cfpb_month_first_dates_and_quoted_commas():
    prepared = read_complaint_file(real("cfpb_complaints_2013.csv"), "cfpb.csv")
    assert (prepared.encoding, prepared.rows_read) == ("utf-8", 1000)
    assert prepared.mapping["id"] == "complaint_id" and prepared.mapping["received_at"] == "date_received"
    assert prepared.date_orders["date_received"] == "month_first"
    assert prepared.fields.loc[2, "received_at"] == pd.Timestamp("2013-08-30")
    assert prepared.fields.loc[2, "category"] == "Loan modification,collection,foreclosure"
    assert "consumer_disputed?" in prepared.columns
    assert prepared.errors.empty


@needs_real
def test_call_center_xlsx_text_dates_beside_native_times():
    prepared = read_complaint_file(real("call_center_phonenow_2021q1.xlsx"), "calls.xlsx")
    assert prepared.rows_read == 5000
    assert prepared.mapping["received_date"] == "Date" and prepared.mapping["received_time"] == "Time"
    assert isinstance(prepared.original.loc[2, "Time"], dt.time)
    assert prepared.fields.loc[2, "received_at"] == pd.Timestamp("2021-01-01 09:12:58")
    assert prepared.fields["received_at"].notna().all()
    assert prepared.errors.empty and prepared.ready


@needs_real
@pytest.mark.parametrize(
    ("name", "rows"),
    [
        ("cfpb_complaints_2013.csv", 1000),
        ("nyc311_2018-10-21.csv", 6765),
        ("car_complaints_12365auto_gbk.csv", 300),
        ("gov_hotline_messages_replies_zh.xlsx", 2816),
        ("call_center_phonenow_2021q1.xlsx", 5000),
    ],
)
def test_every_real_file_maps_id_and_received_time(name, rows):
    prepared = read_complaint_file(real(name), name)
    assert prepared.rows_read == rows
    assert "id" in prepared.mapping
    assert "received_at" in prepared.mapping or "received_date" in prepared.mapping
    assert prepared.fields["received_at"].notna().all()
    assert prepared.preview(5).shape[0] == 5


# --- CSV mechanics ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("id,received_at,category\n1,2024-03-05,a\n", ","),
        ("id;received_at;category\n1;2024-03-05;a,b\n", ";"),
        ("id\treceived_at\tcategory\n1\t2024-03-05\ta, b\n", "\t"),
        ("id,desc,when\n1,has\ttab inside,2024-03-05\n2,x,2024-03-06\n", ","),
    ],
)
def test_delimiter_is_sniffed(text, delimiter):
    assert sniff_delimiter(text) == delimiter
    table = read_table(text.encode(), "f.csv")
    assert table.delimiter == delimiter and len(table.frame.columns) == 3


def test_text_named_like_a_workbook_is_read_as_csv_with_a_notice():
    prepared = read_complaint_file(b"id\treceived_at\nA1\t2024-03-05\n", "export.xls")
    assert prepared.kind == "csv" and prepared.delimiter == "\t" and prepared.rows_read == 1
    notice = next(n for n in prepared.notices if n.code == "name_mismatch")
    assert notice.message("en") == "“export.xls” is named like .xls but holds CSV; it was read as CSV."


def test_excel_separator_hint_line_names_the_delimiter():
    prepared = read_complaint_file(b"sep=;\r\nid;received_at;category\r\nA1;2024-03-05;a,b\r\n", "f.csv")
    assert prepared.delimiter == ";" and prepared.columns == ["id", "received_at", "category"]
    assert prepared.fields.loc[2, "category"] == "a,b"


def test_quoted_multiline_cells_with_crlf_keep_row_numbers():
    data = (
        b"id,received_at,description\r\n"
        b'A1,2024-03-05 09:00,"first line\r\nsecond, with comma"\r\n'
        b'A2,2024-03-06 10:00,"said ""hello"""\r\n'
        b"A3,2024-03-07 11:00,plain\r\n"
    )
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.rows_read == 3
    assert list(prepared.original.index) == [2, 3, 4]  # the multi-line cell is one spreadsheet row
    assert prepared.fields.loc[2, "description"] == "first line\nsecond, with comma"
    assert prepared.fields.loc[3, "description"] == 'said "hello"'


def test_blank_lines_are_skipped_and_later_rows_keep_their_numbers():
    data = b"\n\nid,received_at\n\nA1,2024-03-05\n,\n  \nA2,not a date\n\n"
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.header_row == 3
    assert list(prepared.original.index) == [5, 8]
    assert prepared.errors[["row", "code"]].values.tolist() == [[8, "date_unreadable"]]
    assert any(n.code == "blank_rows_skipped" and n.params["count"] == 3 for n in prepared.notices)


def test_formula_like_cells_stay_text():
    data = (
        b"id,received_at,category,description\n"
        b'=1+1,2024-03-05,+cmd,"@SUM(A1:A2)"\n'
        b'-5,2024-03-05,-x,=HYPERLINK("x")\n'
    )
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.fields["id"].tolist() == ["=1+1", "-5"]
    assert prepared.fields["category"].tolist() == ["+cmd", "-x"]
    assert prepared.fields["description"].tolist() == ["@SUM(A1:A2)", '=HYPERLINK("x")']


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("投诉编号,受理时间\nC1,2024-03-05\n".encode("utf-16"), "utf-16-le"),
        ("投诉编号,受理时间\nC1,2024-03-05\n".encode("utf-16-be"), "utf-16-be"),
        ("投诉编号,受理时间\nC1,2024-03-05\n".encode("utf-16-le"), "utf-16-le"),
        ("\ufeff投诉编号,受理时间\nC1,2024-03-05\n".encode(), "utf-8-sig"),
        ("投诉编号,受理时间\nC1,2024-03-05\n".encode("gb18030"), "gbk"),
        ("投诉编号,受理时间,内容\nC1,2024-03-05,𠀀字\n".encode("gb18030"), "gb18030"),
        ("投诉编号,受理时间\nC1,2024-03-05\n".encode("utf-32"), "utf-32-le"),
    ],
)
def test_encodings_are_detected(data, encoding):
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.encoding == encoding
    assert prepared.columns[:2] == ["投诉编号", "受理时间"]
    assert prepared.fields.loc[2, "id"] == "C1"


def test_encoding_override_reads_what_detection_cannot():
    data = "id,received_at,category\nA1,2024-03-05,Café crème\n".encode("cp1252")
    assert refusal(data, "f.csv").code == "encoding_unknown"
    prepared = read_complaint_file(data, "f.csv", encoding="windows-1252")
    assert prepared.encoding == "cp1252"
    assert prepared.fields.loc[2, "category"] == "Café crème"


def test_duplicate_and_empty_headers_are_renamed():
    data = b"id,,status,received_at,status,\nA1,x,open,2024-03-05,closed,\n"
    table = read_table(data, "f.csv")
    assert table.columns == ["id", "column_2", "status", "received_at", "status_2"]
    renamed = next(n for n in table.notices if n.code == "headers_renamed")
    assert "“status” → status_2" in renamed.message("en")


def test_chinese_duplicate_headers():
    data = "编号,状态,受理时间,状态\nA1,处理中,2024-03-05,已结案\n".encode()
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.columns == ["编号", "状态", "受理时间", "状态_2"]
    assert prepared.mapping["status"] == "状态"
    assert prepared.original.loc[2, "状态_2"] == "已结案"


def test_xlsx_chosen_sheet_and_title_offset():
    data = xlsx([[None], ["id", "received_at"], ["A1", dt.datetime(2024, 3, 5, 9, 30)]], sheet="Data")
    data = rezip(data)  # same workbook, re-packed
    prepared = read_complaint_file(data, "f.xlsx", sheet="data")
    assert prepared.sheet == "Data" and prepared.header_row == 2
    assert prepared.fields.loc[3, "received_at"] == pd.Timestamp("2024-03-05 09:30")
    assert read_complaint_file(data, "f.xlsx", sheet=0).rows_read == 1


def test_xlsx_numbers_become_text_without_float_noise():
    data = xlsx([["id", "received_at", "customer"], [1001, "2024-03-05", 12.5], [1002.0, 45356, True]])
    prepared = read_complaint_file(data, "f.xlsx")
    assert prepared.fields["id"].tolist() == ["1001", "1002"]
    assert prepared.fields["customer"].tolist() == ["12.5", "TRUE"]
    assert prepared.fields.loc[3, "received_at"] == pd.Timestamp("2024-03-05")  # an Excel serial


def test_rejected_rows_keep_original_columns_and_a_reason():
    data = b"id,received_at,note\nA1,2024-03-05,ok\nA2,2024-02-30,bad day\n,2024-03-06,no id\n"
    prepared = read_complaint_file(data, "f.csv")
    rejected = prepared.rejected_original("en")
    assert list(rejected.index) == [3, 4]
    assert list(rejected.columns) == ["id", "received_at", "note", "reason"]
    assert "2024-02-30" in rejected.loc[3, "reason"] and "not a real date" in rejected.loc[3, "reason"]
    assert "原因" in prepared.rejected_original("zh").columns
    assert (
        "投诉编号" in prepared.rejected_original("zh").loc[4, "原因"] or "编号" in prepared.reasons("zh")[4]
    )


def test_engine_frame_has_canonical_names_and_row_numbers():
    data = "工单号,受理时间,客户名称,所属部门\nC1,2024-03-05 10:00,招商银行,银行一部\n".encode()
    frame = read_complaint_file(data, "f.csv").to_engine_frame()
    assert list(frame.columns) == ["_row", "id", "received_at", "customer_code", "department_code"]
    assert frame.loc[0, "_row"] == 2 and frame.loc[0, "received_at"] == pd.Timestamp("2024-03-05 10:00")


# --- bad files: refused as a whole ------------------------------------------------------------


def _zip_bomb() -> bytes:
    return rezip(MINIMAL, add={"xl/media/image1.bin": b"\0" * (8 * 1024 * 1024)})


def _lying_zip() -> bytes:
    """A part that declares 1 KB but inflates to 8 MB (its size patched in both zip headers)."""
    data = bytearray(rezip(MINIMAL, add={"xl/media/image1.bin": b"\0" * (8 * 1024 * 1024)}))
    part = b"xl/media/image1.bin"
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part.decode())
    struct.pack_into("<I", data, info.header_offset + 22, 1024)  # local header: uncompressed size
    position = bytes(data).find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == part:
            struct.pack_into("<I", data, position + 24, 1024)  # central directory: uncompressed size
        position = bytes(data).find(b"PK\x01\x02", position + 4)
    return bytes(data)


def _entity_bomb() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 9)]
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [' + "".join(entities) + "]>\n"
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol8;</t></si></sst>'
    )
    return rezip(MINIMAL, replace={"xl/sharedStrings.xml": bomb.encode()})


def _external_entity() -> bytes:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook>&e;</workbook>'
    )
    return rezip(MINIMAL, replace={"xl/workbook.xml": xxe})


def _macro_content_type() -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(MINIMAL))
    types = archive.read("[Content_Types].xml").replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    return rezip(MINIMAL, replace={"[Content_Types].xml": types})


def _docx_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4
MIXED = ("投诉编号,受理时间,内容\n" + "".join(f"C{i},2024-03-05,服务很好\n" for i in range(5))).encode() + (
    "C9,2024-03-05,服务很差\n".encode("gbk")
)

BAD_FILES = [
    # (case, bytes, name, extra kwargs, refusal code, words the English message must contain)
    ("empty", b"", "a.csv", {}, "empty_file", "empty"),
    ("only blank lines", b"\r\n\n   \n\t\n", "a.csv", {}, "blank_file", "only blank"),
    ("only separators", b",,,\n;;\n", "a.csv", {}, "blank_file", "no header"),
    ("header only", b"id,received_at\r\n", "a.csv", {}, "no_data_rows", "no data rows"),
    ("header only xlsx", xlsx([["id", "received_at"]]), "a.xlsx", {}, "no_data_rows", "no data rows"),
    (
        "over the size limit",
        b"id,received_at\n" + b"A,2024-01-01\n" * 20,
        "a.csv",
        {"max_bytes": 100},
        "too_large",
        "limit",
    ),
    ("NUL bytes", b"id,received_at\nA1,2024-03-05\nA2\x00,2024-03-06\n", "a.csv", {}, "nul_bytes", "line 3"),
    (
        "unterminated quote",
        b'id,received_at,desc\nA1,2024-03-05,ok\nA2,2024-03-06,"never closed\nA3,x,y\n',
        "a.csv",
        {},
        "unterminated_quote",
        "line 3",
    ),
    (
        "unterminated quote after a stray one",
        b'id,received_at,desc\nA1,2024-03-05,5"x\nA2,2024-03-06,"open\n',
        "a.csv",
        {},
        "unterminated_quote",
        "line 3",
    ),
    ("mixed encodings", MIXED, "a.csv", {}, "mixed_encoding", "line(s) 7"),
    (
        "wrong encoding chosen",
        "投诉编号,受理时间\nC1,2024-03-05\n".encode("gbk"),
        "a.csv",
        {"encoding": "utf-8"},
        "encoding_mismatch",
        "line 1",
    ),
    (
        "unknown encoding name",
        b"id\n1\n",
        "a.csv",
        {"encoding": "klingon-8"},
        "encoding_unsupported",
        "klingon-8",
    ),
    (
        "undetectable encoding",
        "id,desc\n1,Café\n".encode("cp1252"),
        "a.csv",
        {},
        "encoding_unknown",
        "Choose",
    ),
    (
        "broken UTF-8 after a BOM",
        b"\xef\xbb\xbfid,received_at\nA1,caf\xe9\n",
        "a.csv",
        {},
        "encoding_mismatch",
        "utf-8-sig",
    ),
    ("zip bomb", _zip_bomb(), "a.xlsx", {}, "zip_ratio", "zip bomb"),
    ("zip that lies about its sizes", _lying_zip(), "a.xlsx", {}, "corrupt_workbook", "damaged"),
    (
        "too many zip parts",
        MINIMAL,
        "a.xlsx",
        {"xlsx_limits": XlsxLimits(max_entries=3)},
        "zip_too_many_entries",
        "parts",
    ),
    (
        "too big unpacked",
        MINIMAL,
        "a.xlsx",
        {"xlsx_limits": XlsxLimits(max_unpacked_bytes=2000)},
        "zip_too_big_unpacked",
        "Unpacked",
    ),
    ("XML entity bomb", _entity_bomb(), "a.xlsx", {}, "xml_forbidden", "entities"),
    ("XML external entity", _external_entity(), "a.xlsx", {}, "xml_forbidden", "DTD"),
    ("named .xlsm", MINIMAL, "a.xlsm", {}, "xlsm", "macros"),
    (
        "macros inside a .xlsx",
        rezip(MINIMAL, add={"xl/vbaProject.bin": b"\0" * 64}),
        "a.xlsx",
        {},
        "xlsm",
        "macros",
    ),
    ("macro content type", _macro_content_type(), "a.xlsx", {}, "xlsm", "Save As"),
    ("legacy .xls", OLE, "a.xls", {}, "legacy_xls", "97"),
    (
        "password-protected workbook",
        OLE + "EncryptedPackage".encode("utf-16-le"),
        "a.xlsx",
        {},
        "encrypted_workbook",
        "password",
    ),
    ("binary workbook .xlsb", MINIMAL, "a.xlsb", {}, "xlsb", ".xlsb"),
    ("PNG renamed .csv", PNG, "a.csv", {}, "binary_file", "PNG image"),
    (
        "PDF renamed .xlsx",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02",
        "a.xlsx",
        {},
        "binary_file",
        "PDF",
    ),
    (
        "HTML saved as .xls",
        b"<html><head><meta charset='utf-8'></head><body><table><tr><td>id</td></tr></table>",
        "a.xls",
        {},
        "html_disguised",
        "web page",
    ),
    (
        "HTML table with BOM",
        b"\xef\xbb\xbf\r\n<table border=1><tr><td>x</td></tr></table>",
        "a.xls",
        {},
        "html_disguised",
        "web page",
    ),
    (
        "Excel 2003 XML",
        b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
        "a.xml",
        {},
        "xml_spreadsheet",
        "2003",
    ),
    ("a zip that is not a workbook", _docx_like(), "a.xlsx", {}, "not_a_workbook", "not an Excel workbook"),
    ("truncated workbook", MINIMAL[: len(MINIMAL) // 2], "a.xlsx", {}, "corrupt_workbook", "damaged"),
    ("empty sheet", xlsx([], sheet="Empty", extra_sheets=["Other"]), "a.xlsx", {}, "empty_sheet", "“Other”"),
    ("missing sheet", MINIMAL, "a.xlsx", {"sheet": "Complaints"}, "sheet_not_found", "“Sheet1”"),
    ("missing sheet number", MINIMAL, "a.xlsx", {"sheet": 3}, "sheet_not_found", "#4"),
    (
        "mapping names a missing column",
        MINIMAL,
        "a.xlsx",
        {"mapping": {"id": "投诉编号", "received_at": "Time"}},
        "mapping_unknown_column",
        "“Time”",
    ),
    (
        "mapping names an unknown field",
        MINIMAL,
        "a.xlsx",
        {"mapping": {"priority": "投诉编号"}},
        "mapping_unknown_field",
        "priority",
    ),
    (
        "both received columns mapped",
        MINIMAL,
        "a.xlsx",
        {"mapping": {"received_at": "受理时间", "received_date": "受理时间"}},
        "mapping_both_received",
        "either",
    ),
]


@pytest.mark.parametrize(
    ("data", "name", "kwargs", "code", "words"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file_is_refused_with_a_clear_bilingual_message(data, name, kwargs, code, words):
    refused = refusal(data, name, **kwargs)
    assert refused.code == code, refused.message_en
    assert words in refused.message_en
    assert refused.message_zh and refused.message_zh != refused.message_en
    assert "{" not in refused.message_en and "{" not in refused.message_zh  # every field filled in


def test_zip_ratio_limit_is_a_parameter():
    bomb = _zip_bomb()
    prepared = read_complaint_file(bomb, "a.xlsx", xlsx_limits=XlsxLimits(max_ratio=10_000))
    assert prepared.rows_read == 1  # the same file passes when the ratio limit is raised on purpose


# --- bad rows: kept, each with its reason --------------------------------------------------------


BAD_ROWS = [
    # (case, CSV body after the header "id,received_at,resolved_at", expected codes in file order)
    ("ragged short row", "A1,2024-03-05\n", ["ragged_row"]),
    ("ragged long row", "A1,2024-03-05,2024-03-06,surplus\n", ["ragged_row"]),
    ("unreadable date", "A1,yesterday,\n", ["date_unreadable"]),
    ("impossible date", "A1,2024-02-30,\n", ["date_impossible"]),
    ("impossible time", "A1,2024-03-05 24:10,\n", ["date_impossible"]),
    ("date out of range", "A1,1850-01-01,\n", ["date_out_of_range"]),
    ("date with a time zone", "A1,2024-03-05T10:00:00+08:00,\n", ["date_has_timezone"]),
    ("missing id", ",2024-03-05,\n", ["id_missing"]),
    ("missing received time", "A1,,\n", ["received_missing"]),
    ("resolved before received", "A1,2024-03-05 10:00,2024-03-04 09:00\n", ["resolved_before_received"]),
    ("id too long", "A" * 121 + ",2024-03-05,\n", ["value_too_long"]),
]


@pytest.mark.parametrize(("body", "codes"), [c[1:] for c in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_bad_row_gets_a_reason_and_the_good_row_stays(body, codes):
    data = ("id,received_at,resolved_at\nGOOD,2024-03-01 08:00,\n" + body).encode()
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.rows_read == 2
    assert prepared.errors["code"].tolist() == codes
    assert set(prepared.errors["row"]) == {3}
    assert 2 not in prepared.error_rows
    for lang in ("en", "zh"):
        text = prepared.reasons(lang)[3]
        assert text and "{" not in text


def test_ragged_rows_are_reported_with_cell_counts_and_surplus_is_kept():
    data = b"id,received_at\nA1,2024-03-05\nA2,2024-03-06,extra\nA3\nA4,2024-03-07,\n"
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.rows_read == 4
    ragged = prepared.errors[prepared.errors["code"] == "ragged_row"]
    assert ragged["row"].tolist() == [3, 4]  # a trailing empty cell (row 5) is harmless
    assert "3 cells but the header has 2" in prepared.reasons("en")[3]
    assert prepared.original.loc[3, "column_3"] == "extra"  # nothing is lost from the file
    assert any(n.code == "ragged_rows" for n in prepared.notices)


def test_ragged_rows_with_mid_cell_quotes_take_the_exact_path():
    data = b'id,received_at,desc\nA1,2024-03-05,5"x\nA2,2024-03-06,say "hi", twice\nA3,2024-03-07,ok\n'
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.original.loc[2, "desc"] == '5"x'
    assert prepared.errors["row"].tolist() == [3] and prepared.errors["code"].tolist() == ["ragged_row"]


@pytest.mark.slow
def test_a_million_rows_read_with_c_engine_and_multiline_cells():
    header = "投诉编号,受理时间,客户名称,所属部门,投诉类别,处理状态,结案时间,投诉内容\r\n"
    rows = [
        f"C{i:07d},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} {i % 24:02d}:{i % 60:02d}:05,客户{i % 500},"
        f"部门{i % 7},类别{i % 9},已结案,2024/12/31 23:59:59,"
        + ('"第一行\r\n第二行, 含逗号"' if i % 50 == 0 else "服务态度差，等待时间过长")
        + "\r\n"
        for i in range(1_000_000)
    ]
    data = (header + "".join(rows)).encode()
    del rows
    prepared = read_complaint_file(data, "big.csv")
    assert prepared.rows_read == 1_000_000
    assert prepared.errors.empty
    assert prepared.fields.loc[2, "description"] == "第一行\n第二行, 含逗号"
    assert prepared.fields["received_at"].notna().all()
