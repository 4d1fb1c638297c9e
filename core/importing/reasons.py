"""Why a row or a file was refused: stable codes with Chinese and English texts."""

from __future__ import annotations

# Each reason: code -> {"en": template, "zh": template}; templates use str.format fields.
ROW_REASONS: dict[str, dict[str, str]] = {
    "required_missing": {
        "en": "{column} is required but empty",
        "zh": "{column} 为必填项，但为空",
    },
    "not_a_date": {
        "en": "{column} '{value}' is not a date (expected YYYY-MM-DD)",
        "zh": "{column}“{value}”不是有效日期（应为 YYYY-MM-DD）",
    },
    "not_a_datetime": {
        "en": "{column} '{value}' is not a date and time (expected YYYY-MM-DDTHH:MM[:SS])",
        "zh": "{column}“{value}”不是有效的日期时间（应为 YYYY-MM-DDTHH:MM[:SS]）",
    },
    "not_a_month": {
        "en": "{column} '{value}' is not a month (expected YYYY-MM)",
        "zh": "{column}“{value}”不是有效月份（应为 YYYY-MM）",
    },
    "not_a_quarter": {
        "en": "{column} '{value}' is not a quarter (expected YYYY-Qn)",
        "zh": "{column}“{value}”不是有效季度（应为 YYYY-Qn）",
    },
    "not_a_number": {
        "en": "{column} '{value}' is not a number",
        "zh": "{column}“{value}”不是数字",
    },
    "not_an_integer": {
        "en": "{column} '{value}' is not a whole number",
        "zh": "{column}“{value}”不是整数",
    },
    "below_min": {
        "en": "{column} {value} is below the minimum {limit}",
        "zh": "{column} 的值 {value} 低于下限 {limit}",
    },
    "above_max": {
        "en": "{column} {value} is above the maximum {limit}",
        "zh": "{column} 的值 {value} 高于上限 {limit}",
    },
    "not_a_choice": {
        "en": "{column} '{value}' is not one of: {limit}",
        "zh": "{column}“{value}”不在允许的取值中：{limit}",
    },
    "not_a_bool": {
        "en": "{column} '{value}' is not 1 or 0",
        "zh": "{column}“{value}”应为 1 或 0",
    },
    "too_long": {
        "en": "{column} is longer than {limit} characters",
        "zh": "{column} 超过 {limit} 个字符",
    },
    "unknown_code": {
        "en": "{column} '{value}' is not a known code",
        "zh": "{column}“{value}”不是已知的编码",
    },
    "key_repeated_different": {
        "en": "the same {column} '{value}' appears earlier in this file with different values",
        "zh": "{column}“{value}”在本文件前面已出现，且内容不同",
    },
    "resolved_before_received": {
        "en": "resolved_at is earlier than received_at",
        "zh": "结案时间早于受理时间",
    },
    "left_before_hired": {
        "en": "left_on is earlier than hired_on",
        "zh": "离职日期早于入职日期",
    },
    "other_department": {
        "en": "{column} '{value}' belongs to another department; a department manager uploads only "
        "their own department's data",
        "zh": "{column}“{value}”属于其他部门；部门经理只能上传本部门的数据",
    },
    "stored_other_department": {
        "en": "the stored row with this key belongs to another department ({column} '{value}'); "
        "a department manager changes only their own department's data",
        "zh": "已保存的同键记录属于其他部门（{column}“{value}”）；部门经理只能修改本部门的数据",
    },
    "in_future": {
        "en": "{column} '{value}' is in the future",
        "zh": "{column}“{value}”是将来的时间",
    },
}

# Why a complaint is kept as unmatched (stored, listed, resolvable later).
UNMATCHED_REASONS: dict[str, dict[str, str]] = {
    "unknown_department": {
        "en": "department '{value}' is not known",
        "zh": "未知部门“{value}”",
    },
    "unknown_customer": {
        "en": "customer '{value}' is not known and no department is given",
        "zh": "未知客户“{value}”，且未填写部门",
    },
    "no_customer_or_department": {
        "en": "neither a customer nor a department is given",
        "zh": "客户和部门均未填写",
    },
}

FILE_REASONS: dict[str, dict[str, str]] = {
    "missing_columns": {
        "en": "The file lacks required columns: {value}. Found: {limit}.",
        "zh": "文件缺少必需的列：{value}。文件中的列：{limit}。",
    },
    "rows_rejected": {
        "en": "{value} row(s) failed validation; nothing was saved. Fix them and upload again, "
        "or choose to import only the valid rows.",
        "zh": "有 {value} 行未通过校验，未保存任何数据。请修正后重新上传，或选择只导入有效行。",
    },
    "empty": {
        "en": "The file has no data rows.",
        "zh": "文件中没有数据行。",
    },
    "not_utf8": {
        "en": "Canonical files must be UTF-8; this one is not ({value}).",
        "zh": "标准格式文件必须为 UTF-8 编码，此文件不是（{value}）。",
    },
    "busy": {
        "en": "The database is busy with another upload; nothing was saved. Try again in a moment.",
        "zh": "数据库正忙于处理其他上传，未保存任何数据。请稍后重试。",
    },
    "read_only": {
        "en": "The database is read-only for Tripod; nothing was saved. Ask an administrator to make "
        "the database (file or server) writable, then upload again.",
        "zh": "数据库对 Tripod 是只读的，未保存任何数据。"
        "请联系管理员将数据库（文件或服务器）设为可写后重新上传。",
    },
    "disk_full": {
        "en": "The database's disk is full; nothing was saved. Ask an administrator to free space, "
        "then upload again.",
        "zh": "数据库所在磁盘已满，未保存任何数据。请联系管理员释放空间后重新上传。",
    },
    "database_unavailable": {
        "en": "The database could not be reached (it may be restarting); nothing was saved. "
        "Try again in a moment.",
        "zh": "无法连接数据库（可能正在重启），未保存任何数据。请稍后重试。",
    },
    "already_imported": {
        "en": "This exact file was already imported (upload #{value}, {limit}); nothing changed.",
        "zh": "该文件已导入过（上传记录 #{value}，{limit}），没有变化。",
    },
}


def render(table: dict[str, dict[str, str]], code: str, lang: str, **fields: object) -> str:
    """The text of `code` in `lang` (falls back to English), with its fields filled in."""
    texts = table[code]
    template = texts.get(lang) or texts["en"]
    return template.format(**{k: "" if v is None else v for k, v in fields.items()})
