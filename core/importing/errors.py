"""Why an uploaded file or one of its rows was refused: stable codes with English and Chinese texts."""

from __future__ import annotations

from dataclasses import dataclass, field

# Whole-file refusals. Each text says what is wrong and what the user can do about it.
FILE_MESSAGES: dict[str, dict[str, str]] = {
    "empty_file": {
        "en": "The file is empty (0 bytes). Export the complaint log again and upload the new file.",
        "zh": "文件是空的（0 字节）。请重新导出投诉记录后再上传。",
    },
    "blank_file": {
        "en": "The file holds only blank lines or empty cells: there is no header and no data. "
        "Check that you picked the right file.",
        "zh": "文件中只有空行或空单元格，既没有表头也没有数据。请确认选择了正确的文件。",
    },
    "no_data_rows": {
        "en": "The file has a header row ({columns}) but no data rows. "
        "Check that the export included the complaints, not only the column titles.",
        "zh": "文件只有表头（{columns}），没有数据行。请确认导出时包含了投诉记录，而不仅是列标题。",
    },
    "too_large": {
        "en": "The file is {size_mb} MB; the limit is {limit_mb} MB. "
        "Split it (for example by month) and upload the parts one after another.",
        "zh": "文件大小为 {size_mb} MB，超过上限 {limit_mb} MB。请拆分（例如按月）后分批上传。",
    },
    "xlsm": {
        "en": "Macro-enabled workbooks (.xlsm) are not accepted, because macros can run code. "
        "In Excel choose File → Save As → “Excel Workbook (*.xlsx)” and upload that file.",
        "zh": "不接受启用宏的工作簿（.xlsm），因为宏可以执行代码。"
        "请在 Excel 中选择“文件 → 另存为 → Excel 工作簿（*.xlsx）”，再上传新文件。",
    },
    "legacy_xls": {
        "en": "This is an old-format Excel file (.xls, Excel 97–2003), which Tripod does not read. "
        "Open it in Excel or WPS, save it as .xlsx or as “CSV UTF-8”, and upload that file.",
        "zh": "这是旧版 Excel 文件（.xls，Excel 97–2003 格式），系统不读取此格式。"
        "请用 Excel 或 WPS 打开，另存为 .xlsx 或“CSV UTF-8”后再上传。",
    },
    "encrypted_workbook": {
        "en": "This workbook is protected with a password, so it cannot be read. "
        "Remove the password in Excel (File → Info → Protect Workbook) and upload again.",
        "zh": "此工作簿设置了打开密码，无法读取。"
        "请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后重新上传。",
    },
    "xlsb": {
        "en": "Binary Excel workbooks (.xlsb) are not accepted. Save the file as .xlsx or CSV and upload "
        "that.",
        "zh": "不接受二进制 Excel 工作簿（.xlsb）。请另存为 .xlsx 或 CSV 后再上传。",
    },
    "ods": {
        "en": "OpenDocument spreadsheets (.ods) are not accepted. Save the file as .xlsx or CSV and "
        "upload that.",
        "zh": "不接受 OpenDocument 表格（.ods）。请另存为 .xlsx 或 CSV 后再上传。",
    },
    "html_disguised": {
        "en": "“{name}” is really a web page (HTML), as some systems produce when they “export to Excel”. "
        "Open it in Excel, save it as .xlsx or “CSV UTF-8”, and upload that file.",
        "zh": "“{name}”实际上是网页（HTML）文件，一些系统“导出为 Excel”时会生成这种文件。"
        "请用 Excel 打开后另存为 .xlsx 或“CSV UTF-8”，再上传新文件。",
    },
    "xml_spreadsheet": {
        "en": "“{name}” is an Excel 2003 XML spreadsheet, which Tripod does not read. "
        "Open it in Excel, save it as .xlsx or CSV, and upload that file.",
        "zh": "“{name}”是 Excel 2003 XML 表格，系统不读取此格式。"
        "请用 Excel 打开后另存为 .xlsx 或 CSV 再上传。",
    },
    "binary_file": {
        "en": "“{name}” is not a spreadsheet or a text table: it looks like {what_en}. "
        "Check that you picked the right file.",
        "zh": "“{name}”不是表格文件或文本表格，看起来是{what_zh}。请确认选择了正确的文件。",
    },
    "nul_bytes": {
        "en": "The file contains NUL bytes (first on line {line}), which a text export never has: "
        "it is damaged or not a CSV file. Export it again, or save it from Excel as “CSV UTF-8”.",
        "zh": "文件中含有 NUL 空字节（首次出现在第 {line} 行），正常的文本导出不会有这种字节，"
        "文件可能已损坏或并非 CSV。请重新导出，或在 Excel 中另存为“CSV UTF-8”。",
    },
    "not_a_workbook": {
        "en": "“{name}” is a ZIP archive but not an Excel workbook (for example a Word document or a "
        "packed folder). Upload the .xlsx itself or a CSV file.",
        "zh": "“{name}”是 ZIP 压缩包，但不是 Excel 工作簿（例如 Word 文档或打包的文件夹）。"
        "请直接上传 .xlsx 或 CSV 文件。",
    },
    "corrupt_workbook": {
        "en": "The workbook is damaged and cannot be opened ({detail}). "
        "Open it in Excel, save it again, and upload the new copy.",
        "zh": "工作簿已损坏，无法打开（{detail}）。请用 Excel 打开后重新保存，再上传新文件。",
    },
    "corrupt_text": {
        "en": "The rows of this file cannot be told apart reliably ({detail}); it mixes line-end styles "
        "inside cells. Open it in Excel, save it as “CSV UTF-8”, and upload that file.",
        "zh": "无法可靠地区分此文件的各行（{detail}），单元格内混用了不同的换行符。"
        "请用 Excel 打开后另存为“CSV UTF-8”，再上传新文件。",
    },
    "zip_too_many_entries": {
        "en": "The workbook is made of {count} parts; more than {limit} is not a normal spreadsheet. "
        "Save it again from Excel as a plain .xlsx, or export CSV.",
        "zh": "该工作簿由 {count} 个部件组成，超过 {limit} 个，不是正常的表格文件。"
        "请在 Excel 中重新另存为普通 .xlsx，或导出 CSV。",
    },
    "zip_too_big_unpacked": {
        "en": "Unpacked, the workbook would take {size_mb} MB (limit {limit_mb} MB). "
        "Split the data into smaller files, or export CSV.",
        "zh": "该工作簿解压后将占用 {size_mb} MB（上限 {limit_mb} MB）。请拆分为较小的文件，或导出 CSV。",
    },
    "zip_ratio": {
        "en": "The part “{entry}” of the workbook expands {ratio}-fold when unpacked, the way “zip bombs” "
        "are built to exhaust a server, so Tripod refuses it. If the file is genuine, save it again "
        "from Excel or export CSV.",
        "zh": "工作簿中的部件“{entry}”解压后膨胀 {ratio} 倍，这是用来耗尽服务器资源的“压缩炸弹”的特征，"
        "因此系统拒绝此文件。如果文件确实正常，请在 Excel 中重新保存或导出 CSV。",
    },
    "xml_forbidden": {
        "en": "The workbook part “{entry}” contains XML declarations (a DTD or entities) that real Excel "
        "files never use and that can be abused to exhaust or probe the server. Tripod refuses it; "
        "save the file again from Excel.",
        "zh": "工作簿部件“{entry}”包含 XML 声明（DTD 或实体），正常的 Excel 文件不会使用，"
        "且可被用来耗尽或探测服务器，因此系统拒绝此文件。请在 Excel 中重新保存。",
    },
    "sheet_not_found": {
        "en": "There is no sheet {sheet} in this workbook. Its sheets are: {sheets}.",
        "zh": "工作簿中没有工作表 {sheet}。现有工作表：{sheets}。",
    },
    "empty_sheet": {
        "en": "The sheet “{sheet}” is empty. Sheets in this workbook: {sheets}; choose the one with the "
        "data.",
        "zh": "工作表“{sheet}”是空的。此工作簿中的工作表：{sheets}，请选择有数据的那一个。",
    },
    "encoding_unknown": {
        "en": "Tripod could not tell which text encoding this file uses (best guess {guess}, "
        "{confidence}% sure). Choose the encoding yourself (GB18030 for most Chinese Windows exports, "
        "otherwise UTF-8 or windows-1252) and try again.",
        "zh": "无法判断此文件的文字编码（最接近的猜测是 {guess}，把握 {confidence}%）。"
        "请手动选择编码（中文 Windows 导出的文件多为 GB18030，其他可选 UTF-8 或 windows-1252）后重试。",
    },
    "encoding_mismatch": {
        "en": "The file cannot be read as {encoding}: line {line} contains bytes that are not valid in it. "
        "Choose another encoding, or leave the choice to Tripod.",
        "zh": "无法按 {encoding} 编码读取此文件：第 {line} 行含有该编码中无效的字节。请换一种编码，"
        "或交给系统自动识别。",
    },
    "encoding_unsupported": {
        "en": "“{encoding}” is not an encoding Tripod knows. Use a name such as UTF-8, GB18030, GBK, "
        "UTF-16 or windows-1252.",
        "zh": "系统不认识编码“{encoding}”。请使用 UTF-8、GB18030、GBK、UTF-16 或 windows-1252 等名称。",
    },
    "mixed_encoding": {
        "en": "The file mixes two text encodings: most lines are UTF-8 but line(s) {lines} are not "
        "(often GBK text pasted in from another export). Save the whole file again in one encoding, "
        "for example “CSV UTF-8” in Excel, and upload it.",
        "zh": "文件混用了两种文字编码：大部分行是 UTF-8，"
        "但第 {lines} 行不是（常见于从另一个导出文件粘贴进来的 "
        "GBK 文字）。请将整个文件统一另存为一种编码（例如 Excel 中的“CSV UTF-8”）后再上传。",
    },
    "unterminated_quote": {
        "en": "A quoted cell that starts on line {line} is never closed, so the rest of the file would be "
        'swallowed into one cell. Find the stray double quote (") near line {line}, fix it, and upload '
        "again.",
        "zh": "从第 {line} 行开始的一个带引号的单元格没有结束引号，文件剩余部分会被吞进这一个单元格。"
        '请找到第 {line} 行附近多余的双引号（"），修正后重新上传。',
    },
    "mapping_unknown_column": {
        "en": "The mapping uses the column “{column}” for {field}, but the file has no such column. "
        "Columns in the file: {columns}.",
        "zh": "映射中为 {field} 指定的列“{column}”在文件中不存在。文件中的列：{columns}。",
    },
    "mapping_unknown_field": {
        "en": "“{field}” is not a complaint field. The fields are: {fields}.",
        "zh": "“{field}”不是投诉字段。可用字段：{fields}。",
    },
    "mapping_both_received": {
        "en": "Map either one column to received_at (date and time together), or received_date and "
        "optionally received_time, but not both.",
        "zh": "受理时间请二选一：要么把一列映射为 received_at（日期时间在同一列），"
        "要么映射 received_date（可加 received_time），不能同时映射。",
    },
    "mapping_incomplete": {
        "en": "Map the required fields before importing: {fields}.",
        "zh": "导入前请先映射必填字段：{fields}。",
    },
    "date_order_needed": {
        "en": "The dates in column “{column}” (for example {example}) could be day-first or month-first, "
        "and no value in the file settles it. Choose the order and import again.",
        "zh": "列“{column}”中的日期（例如 {example}）既可能是“日/月”也可能是“月/日”，文件中没有能判断的值。"
        "请选择日期顺序后重新导入。",
    },
}

# Per-row problems. Fields: column (as titled in the file), value (the cell as written), plus extras.
ROW_MESSAGES: dict[str, dict[str, str]] = {
    "ragged_row": {
        "en": "This row has {cells} cells but the header has {expected}: a separator too many or too few "
        "(often an unquoted comma inside a text). Make the row one cell per column.",
        "zh": "此行有 {cells} 个单元格，"
        "而表头有 {expected} 列：多了或少了分隔符（常见原因是文字中有未加引号的逗号）。"
        "请修正为每列一个单元格。",
    },
    "id_missing": {
        "en": "The complaint id ({column}) is empty; every complaint needs the id from its source system.",
        "zh": "投诉编号（{column}）为空；每条投诉都需要来源系统中的编号。",
    },
    "received_missing": {
        "en": "The received time ({column}) is empty; without it the complaint cannot be counted in a week.",
        "zh": "受理时间（{column}）为空；没有它就无法把投诉计入某一周。",
    },
    "date_unreadable": {
        "en": "“{value}” in {column} is not a date Tripod can read. "
        "Use a form such as 2024-03-05 14:30, 2024/3/5 9:32:09 or 2024年3月5日.",
        "zh": "{column} 中的“{value}”不是可识别的日期。"
        "请使用 2024-03-05 14:30、2024/3/5 9:32:09 或 2024年3月5日 等格式。",
    },
    "date_impossible": {
        "en": "“{value}” in {column} is not a real date or time (for example 30 February, month 13 or 25 "
        "o'clock).",
        "zh": "{column} 中的“{value}”不是真实存在的日期或时间（例如 2 月 30 日、13 月或 25 点）。",
    },
    "date_wrong_order": {
        "en": "“{value}” in {column} does not fit the date order of this column ({order_en}); "
        "check the value or the chosen order.",
        "zh": "{column} 中的“{value}”与此列的日期顺序（{order_zh}）不符，请检查该值或所选的顺序。",
    },
    "date_out_of_range": {
        "en": "“{value}” in {column} is outside the years 1900–2100; check the year "
        "(two-digit years are read as 1969–2068).",
        "zh": "{column} 中的“{value}”不在 1900–2100 年之间，请检查年份（两位年份按 1969–2068 年理解）。",
    },
    "date_has_timezone": {
        "en": "“{value}” in {column} carries a time zone; export the local time of the call center "
        "without a zone.",
        "zh": "{column} 中的“{value}”带有时区；请导出呼叫中心当地时间（不带时区）。",
    },
    "time_unreadable": {
        "en": "“{value}” in {column} is not a time of day (use a form such as 9:32 or 09:32:09).",
        "zh": "{column} 中的“{value}”不是有效的时刻（请使用 9:32 或 09:32:09 等格式）。",
    },
    "time_without_date": {
        "en": "“{value}” in {column} is a time without a date; map a date column as well.",
        "zh": "{column} 中的“{value}”只有时间没有日期；请同时映射日期列。",
    },
    "resolved_before_received": {
        "en": "The resolved time ({value}) is earlier than the received time ({received}).",
        "zh": "结案时间（{value}）早于受理时间（{received}）。",
    },
    "value_too_long": {
        "en": "{column} holds {length} characters; at most {limit} fit. Shorten the text.",
        "zh": "{column} 有 {length} 个字符，最多只能保存 {limit} 个，请缩短。",
    },
    "number_unreadable": {
        "en": "“{value}” in {column} is not a number.",
        "zh": "{column} 中的“{value}”不是数字。",
    },
    "number_not_whole": {
        "en": "“{value}” in {column} must be a whole number.",
        "zh": "{column} 中的“{value}”必须是整数。",
    },
    "number_below_min": {
        "en": "{value} in {column} is below the smallest allowed value {limit}.",
        "zh": "{column} 中的 {value} 小于允许的最小值 {limit}。",
    },
    "number_above_max": {
        "en": "{value} in {column} is above the largest allowed value {limit}.",
        "zh": "{column} 中的 {value} 大于允许的最大值 {limit}。",
    },
}

# Things the user should know before confirming an import; none of them stops it by itself.
NOTICE_MESSAGES: dict[str, dict[str, str]] = {
    "encoding_guessed": {
        "en": "The text encoding was guessed as {encoding} ({confidence}% sure). Check the preview; "
        "if the text looks garbled, choose the encoding yourself.",
        "zh": "文字编码推测为 {encoding}（把握 {confidence}%）。请检查预览；如出现乱码，请手动选择编码。",
    },
    "name_mismatch": {
        "en": "“{name}” is named like {named} but holds {actual}; it was read as {actual}.",
        "zh": "“{name}”的扩展名是 {named}，内容却是 {actual}，已按 {actual} 读取。",
    },
    "blank_rows_skipped": {
        "en": "{count} blank row(s) were skipped.",
        "zh": "已跳过 {count} 个空行。",
    },
    "headers_renamed": {
        "en": "Empty or repeated column titles were renamed: {renames}.",
        "zh": "空白或重复的列标题已重命名：{renames}。",
    },
    "ragged_rows": {
        "en": "{count} row(s) do not have one cell per column and will be rejected (first: row {first}).",
        "zh": "有 {count} 行的单元格数与列数不符，这些行将被拒绝（第一处：第 {first} 行）。",
    },
    "date_order_settled": {
        "en": "Column “{column}” is read {order_en}, because values such as “{example}” only fit that order.",
        "zh": "列“{column}”按{order_zh}读取，因为“{example}”等值只符合这种顺序。",
    },
    "date_order_chosen": {
        "en": "Column “{column}” is read {order_en}, as chosen.",
        "zh": "列“{column}”按所选的{order_zh}读取。",
    },
    "date_order_from_file": {
        "en": "Column “{column}” gives no clue to its date order; it follows column “{other}” of the same "
        "file and is read {order_en}.",
        "zh": "列“{column}”本身无法判断日期顺序，已参照同一文件中的列“{other}”，按{order_zh}读取。",
    },
    "date_order_ambiguous": {
        "en": "The dates in column “{column}” (for example “{example}”) could be day-first or month-first. "
        "Choose the order before importing.",
        "zh": "列“{column}”中的日期（例如“{example}”）既可能是“日/月”也可能是“月/日”。"
        "请在导入前选择日期顺序。",
    },
    "date_order_conflict": {
        "en": "Column “{column}” has day-first values (“{example_day}”) and month-first values "
        "(“{example_month}”). Choose the order; rows that do not fit it will be rejected.",
        "zh": "列“{column}”中既有“日/月”格式的值（“{example_day}”），"
        "也有“月/日”格式的值（“{example_month}”）。"
        "请选择日期顺序，不符合的行将被拒绝。",
    },
    "mixed_date_cells": {
        "en": "Column “{column}” mixes {native} Excel date cell(s) with dates typed as text; both are read.",
        "zh": "列“{column}”中有 {native} 个 Excel 日期单元格与文本日期混在一起，两者均已识别。",
    },
    "repeated_ids": {
        "en": "{count} id(s) appear more than once in this file (for example {examples}).",
        "zh": "本文件中有 {count} 个编号出现了不止一次（例如 {examples}）。",
    },
    "category_variants": {
        "en": "Categories written in several ways are counted together: {groups}.",
        "zh": "写法不同但实为同一类别的已合并统计：{groups}。",
    },
    "unknown_categories": {
        "en": "{count} categor(ies) are new to Tripod and are kept as written: {examples}.",
        "zh": "有 {count} 个类别是新出现的，已按原文保留：{examples}。",
    },
}

ORDER_TEXT = {
    "day_first": {"en": "day-first (D/M/Y)", "zh": "“日/月/年”顺序"},
    "month_first": {"en": "month-first (M/D/Y)", "zh": "“月/日/年”顺序"},
}


def render(table: dict[str, dict[str, str]], code: str, lang: str = "en", **params: object) -> str:
    """The text of `code` in `lang` (English when the language is missing), with params filled in."""
    texts = table[code]
    template = texts.get(lang) or texts["en"]
    return template.format_map(_Params(params))


class _Params(dict):
    # A template field nobody supplied shows as empty instead of raising KeyError in a message.
    def __missing__(self, key: str) -> str:
        return ""


class FileRefused(Exception):
    """The whole file is refused; nothing from it may be written."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        self.message_en = render(FILE_MESSAGES, code, "en", **params)
        self.message_zh = render(FILE_MESSAGES, code, "zh", **params)
        super().__init__(self.message_en)

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang == "zh" else self.message_en


@dataclass(frozen=True)
class Notice:
    """A warning about the file shown beside the preview (e.g. a guessed encoding)."""

    code: str
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        return render(NOTICE_MESSAGES, self.code, lang, **self.params)


def row_message(code: str, lang: str = "en", **params: object) -> str:
    """The text of one per-row reason."""
    return render(ROW_MESSAGES, code, lang, **params)
