"""An uploaded complaint file → its original table plus Tripod's complaint fields, parsed and checked.

Nothing here touches the database: the result is what the upload page previews and what the
import engine then resolves and writes. Every row of the file keeps its spreadsheet row number,
and every problem found so far is listed per row with a stable reason code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from core.importing.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    DateColumn,
    combine_date_time,
    parse_datetimes,
    parse_times,
)
from core.importing.errors import ORDER_TEXT, FileRefused, Notice, row_message
from core.importing.mapping import (
    COMPLAINT_FIELDS,
    FIELDS,
    category_key,
    header_signature,
    missing_required,
    resolve_mapping,
    suggest_mapping,
)
from core.importing.reader import ROW_INDEX, RawTable, as_text, read_table
from core.importing.sniff import MAX_BYTES, XlsxLimits

TEXT_FIELDS = ("customer", "department", "category", "severity", "channel", "status", "description")
ERROR_COLUMNS = ["row", "field", "column", "code", "value", "params"]
# Column names of the import engine's canonical complaint frame, for the fields that differ.
ENGINE_COLUMNS = {"customer": "customer_code", "department": "department_code"}
ENGINE_ROW = "_row"


@dataclass
class PreparedFile:
    """Everything known about an upload before the database is consulted."""

    file_name: str
    size_bytes: int
    sha256: str
    kind: str  # csv | xlsx
    encoding: str | None
    encoding_method: str | None
    delimiter: str | None
    sheet_names: list[str]
    sheet: str | None
    header_row: int
    columns: list[str]
    original: pd.DataFrame  # the file's columns; index = spreadsheet row number
    header_signature: str
    suggested_mapping: dict[str, str]
    mapping: dict[str, str]
    mapping_source: str  # suggested | given
    fields: pd.DataFrame  # Tripod's complaint fields + category_key; same index as `original`
    errors: pd.DataFrame  # ERROR_COLUMNS, one line per problem (a row may have several)
    notices: list[Notice] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    date_orders: dict[str, str] = field(default_factory=dict)  # column → day_first | month_first
    undecided_date_columns: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.original)

    @property
    def ready(self) -> bool:
        """True when the import can go ahead: required fields mapped and every date order settled."""
        return not self.missing_required and not self.undecided_date_columns

    def require_ready(self) -> None:
        """Raise FileRefused when the user still has to map a field or choose a date order."""
        if self.missing_required:
            labels = ", ".join(
                f"{f} ({FIELDS[f].label_en} / {FIELDS[f].label_zh})" for f in self.missing_required
            )
            raise FileRefused("mapping_incomplete", fields=labels)
        if self.undecided_date_columns:
            column = self.undecided_date_columns[0]
            example = next(
                (n.params.get("example") for n in self.notices if n.params.get("column") == column), ""
            )
            raise FileRefused("date_order_needed", column=column, example=example or "—")

    @property
    def error_rows(self) -> pd.Index:
        return pd.Index(self.errors["row"].unique(), name=ROW_INDEX)

    def reasons(self, lang: str = "en") -> pd.Series:
        """One text per row with problems (several problems joined by '; '), indexed by row."""
        if self.errors.empty:
            return pd.Series([], dtype=str, index=pd.Index([], name=ROW_INDEX))
        texts = [error_text(e, lang) for e in self.errors.itertuples(index=False)]
        joined = pd.Series(texts, index=self.errors["row"].to_numpy()).groupby(level=0).agg("; ".join)
        joined.index.name = ROW_INDEX
        return joined

    def rejected_original(self, lang: str = "en", reason_column: str | None = None) -> pd.DataFrame:
        """The original rows with problems plus a reason column, ready to fix and upload again."""
        reasons = self.reasons(lang)
        frame = self.original.loc[reasons.index].copy()
        frame[reason_column or ("原因" if lang == "zh" else "reason")] = reasons
        return frame

    def preview(self, rows: int = 20) -> pd.DataFrame:
        """The first rows of the original table as text (mixed native/text columns made displayable)."""
        head = self.original.head(rows)
        return pd.DataFrame({c: head[c].map(as_text) for c in head.columns}, index=head.index)

    def to_engine_frame(self) -> pd.DataFrame:
        """The fields under the import engine's canonical complaint column names, with `_row`."""
        frame = self.fields.drop(columns=["category_key"], errors="ignore").rename(columns=ENGINE_COLUMNS)
        frame.insert(0, ENGINE_ROW, frame.index.to_numpy())
        return frame.reset_index(drop=True)


def read_complaint_file(
    data: bytes,
    file_name: str,
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    mapping: dict[str, str] | None = None,
    day_first: bool | None = None,
    known_categories: Iterable[str] | None = None,
    max_bytes: int = MAX_BYTES,
    xlsx_limits: XlsxLimits | None = None,
) -> PreparedFile:
    """Read an uploaded complaint file and map it onto Tripod's complaint fields.

    `mapping` is {field: column title}; without it the suggested mapping is used. `day_first`
    decides ambiguous dates (None: decided from the file, or left for the user to choose).
    Raises FileRefused for a file that cannot be read at all or a mapping that does not fit it.
    """
    raw = read_table(
        data, file_name, encoding=encoding, sheet=sheet, max_bytes=max_bytes, xlsx_limits=xlsx_limits
    )
    columns = raw.columns
    suggested = suggest_mapping(columns)
    used = resolve_mapping(mapping, columns) if mapping is not None else suggested
    errors = _Errors()
    for problem in raw.problems:
        errors.add([problem.row], "", "", problem.code, [""], problem.params)
    notices = list(raw.notices)
    fields = pd.DataFrame(index=raw.frame.index)
    dates = _map_dates(raw, used, day_first, errors, notices)
    _map_text(raw, used, fields, errors)
    for name in ("received_at", "resolved_at"):
        if name in dates:
            fields[name] = dates[name].values
    _check_required(raw, used, fields, errors)
    _check_resolution(used, fields, errors)
    _notice_repeats_and_categories(fields, known_categories, notices)
    ordered = [f.name for f in COMPLAINT_FIELDS if f.name in fields.columns] + (
        ["category_key"] if "category_key" in fields.columns else []
    )
    return PreparedFile(
        file_name=file_name,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        kind=raw.kind,
        encoding=raw.encoding,
        encoding_method=raw.encoding_method,
        delimiter=raw.delimiter,
        sheet_names=raw.sheet_names,
        sheet=raw.sheet,
        header_row=raw.header_row,
        columns=columns,
        original=raw.frame,
        header_signature=header_signature(columns),
        suggested_mapping=suggested,
        mapping=used,
        mapping_source="given" if mapping is not None else "suggested",
        fields=fields[ordered],
        errors=errors.frame(),
        notices=notices,
        missing_required=missing_required(used),
        date_orders={c: o for c, o in _orders(dates, used).items() if o},
        undecided_date_columns=[used[n] for n, d in dates.items() if d.needs_order and n in used],
    )


def error_text(error: object, lang: str = "en") -> str:
    """The message of one line of PreparedFile.errors (a namedtuple or a dict)."""
    get = error.get if isinstance(error, dict) else lambda k: getattr(error, k)
    params = dict(get("params") or {})
    return row_message(get("code"), lang, column=get("column"), value=get("value"), **params)


# --- steps --------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(
        self, rows, field_name: str, column: str, code, values, params: dict | list | None = None
    ) -> None:
        """Record one problem for each of `rows`; `params` is shared (a dict) or per row (a list)."""
        rows = list(rows)
        if not rows:
            return
        per_row = params if isinstance(params, list) else [dict(params or {}) for _ in rows]
        self.parts.append(
            pd.DataFrame(
                {
                    "row": pd.array(rows, dtype="int64"),
                    "field": field_name,
                    "column": column,
                    "code": code,
                    "value": [as_text(v) for v in values],
                    "params": per_row,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "row" else object) for c in ERROR_COLUMNS}
            )
        frame = pd.concat(self.parts, ignore_index=True)
        return frame.sort_values("row", kind="stable").reset_index(drop=True)


def _map_dates(
    raw: RawTable, mapping: dict[str, str], day_first: bool | None, errors: _Errors, notices: list[Notice]
) -> dict[str, DateColumn]:
    """Parse the mapped date columns; a column with no clue to its order may follow another one."""
    parsed: dict[str, DateColumn] = {}
    for name in ("received_at", "received_date", "resolved_at"):
        if name in mapping:
            parsed[name] = parse_datetimes(raw.frame[mapping[name]], day_first=day_first)
    settled = {n: d for n, d in parsed.items() if d.order_source == "values"}
    for name, column in list(parsed.items()):
        if column.needs_order and not column.conflict and settled:
            other_name, other = next(iter(settled.items()))
            reparsed = parse_datetimes(raw.frame[mapping[name]], day_first=other.order == DAY_FIRST)
            reparsed.order_source = "file"
            parsed[name] = reparsed
            notices.append(
                Notice(
                    "date_order_from_file",
                    {"column": mapping[name], "other": mapping[other_name], **_order_params(other.order)},
                )
            )
    for name, column in parsed.items():
        title = mapping[name]
        if column.conflict and column.needs_order:
            notices.append(
                Notice(
                    "date_order_conflict",
                    {
                        "column": title,
                        "example_day": column.example_day,
                        "example_month": column.example_month,
                        "example": column.example_day,
                    },
                )
            )
        elif column.needs_order:
            notices.append(Notice("date_order_ambiguous", {"column": title, "example": column.example}))
        elif column.order_source == "values":
            notices.append(
                Notice(
                    "date_order_settled",
                    {"column": title, "example": column.example, **_order_params(column.order)},
                )
            )
        elif column.order_source == "chosen" and column.text_cells:
            notices.append(Notice("date_order_chosen", {"column": title, **_order_params(column.order)}))
        if column.native_cells and column.text_cells:
            notices.append(Notice("mixed_date_cells", {"column": title, "native": column.native_cells}))
    if "received_date" in parsed:
        received = parsed.pop("received_date")
        if "received_time" in mapping:
            times = parse_times(raw.frame[mapping["received_time"]])
            time_errors = times.errors.loc[~times.errors.index.isin(received.errors.index)]
            _add_column_errors(errors, "received_time", mapping["received_time"], time_errors, received.order)
            times.errors = time_errors.iloc[0:0]
            received = combine_date_time(received, times)
        parsed["received_at"] = received
        date_column = mapping["received_date"]
    else:
        date_column = mapping.get("received_at", "")
    for name, column in parsed.items():
        title = date_column if name == "received_at" else mapping[name]
        _add_column_errors(errors, name, title, column.errors, column.order)
    return parsed


def _add_column_errors(
    errors: _Errors, name: str, title: str, frame: pd.DataFrame, order: str | None
) -> None:
    if frame.empty:
        return
    for code, group in frame.groupby("code", sort=False):
        params = _order_params(order) if code == "date_wrong_order" else {}
        errors.add(group.index, name, title, code, group["value"].tolist(), params)


def _order_params(order: str | None) -> dict[str, str]:
    texts = ORDER_TEXT.get(order or "", {"en": "", "zh": ""})
    return {"order_en": texts["en"], "order_zh": texts["zh"]}


def _orders(dates: dict[str, DateColumn], mapping: dict[str, str]) -> dict[str, str | None]:
    orders = {}
    for name, column in dates.items():
        title = (
            mapping.get("received_date", "")
            if name == "received_at" and "received_date" in mapping
            else mapping[name]
        )
        orders[title] = column.order if column.order_source else None
    return orders


def _map_text(raw: RawTable, mapping: dict[str, str], fields: pd.DataFrame, errors: _Errors) -> None:
    for name in ("id", *TEXT_FIELDS):
        if name not in mapping:
            continue
        column = raw.frame[mapping[name]]
        if column.dtype == object:
            column = column.map(as_text)
        # Cells are kept as written (a leading = + - @ included): stored as text, never evaluated.
        text = column.astype(str).str.strip()
        if name == "description":
            text = text.str.replace("\r\n", "\n", regex=False)
        fields[name] = text
        limit = FIELDS[name].max_length
        if limit is not None:
            lengths = text.str.len()
            long = (lengths > limit).to_numpy()
            if long.any():
                errors.add(
                    fields.index[long],
                    name,
                    mapping[name],
                    "value_too_long",
                    [v[:60] + "…" for v in text[long]],
                    [{"length": int(n), "limit": limit} for n in lengths[long]],
                )
    if "category" in fields.columns:
        fields["category_key"] = (
            fields["category"].map(category_key) if len(fields) < 50_000 else _fast_keys(fields["category"])
        )


def _fast_keys(values: pd.Series) -> pd.Series:
    # Categories repeat: normalise each distinct spelling once.
    uniques = pd.Series(values.unique())
    keys = dict(zip(uniques, uniques.map(category_key)))
    return values.map(keys)


def _check_required(raw: RawTable, mapping: dict[str, str], fields: pd.DataFrame, errors: _Errors) -> None:
    if "id" in fields.columns:
        empty = fields.index[(fields["id"] == "").to_numpy()]
        errors.add(empty, "id", mapping["id"], "id_missing", [""] * len(empty))
    if "received_at" in fields.columns:
        title = mapping.get("received_at") or mapping.get("received_date", "")
        source = raw.frame[title]
        blank = fields["received_at"].isna() & _blank(source)
        rows = fields.index[blank.to_numpy()]
        errors.add(rows, "received_at", title, "received_missing", [""] * len(rows))


def _blank(column: pd.Series) -> pd.Series:
    if column.dtype == object:
        return column.map(lambda v: v is None or (isinstance(v, str) and v.strip() == ""))
    return column.astype(str).str.strip() == ""


def _check_resolution(mapping: dict[str, str], fields: pd.DataFrame, errors: _Errors) -> None:
    if "resolved_at" not in fields.columns or "received_at" not in fields.columns:
        return
    early = (fields["resolved_at"] < fields["received_at"]).to_numpy()
    if not early.any():
        return
    errors.add(
        fields.index[early],
        "resolved_at",
        mapping["resolved_at"],
        "resolved_before_received",
        [t.isoformat(sep=" ") for t in fields["resolved_at"][early]],
        [{"received": t.isoformat(sep=" ")} for t in fields["received_at"][early]],
    )


def _notice_repeats_and_categories(
    fields: pd.DataFrame, known_categories: Iterable[str] | None, notices: list[Notice]
) -> None:
    if "id" in fields.columns:
        ids = fields["id"][fields["id"] != ""]
        counts = ids.value_counts()
        repeated = counts[counts > 1]
        if len(repeated):
            examples = ", ".join(str(v) for v in repeated.index[:5])
            notices.append(Notice("repeated_ids", {"count": len(repeated), "examples": examples}))
    if "category" not in fields.columns:
        return
    present = fields.loc[fields["category"] != "", ["category", "category_key"]]
    spellings = present.drop_duplicates().groupby("category_key")["category"].agg(list)
    variants = spellings[spellings.map(len) > 1]
    if len(variants):
        groups = "; ".join(" / ".join(sorted(v)[:4]) for v in variants.iloc[:5])
        notices.append(Notice("category_variants", {"groups": groups + (" …" if len(variants) > 5 else "")}))
    if known_categories is not None:
        known = {category_key(c) for c in known_categories}
        new = [spellings[k][0] for k in spellings.index if k not in known]
        if new:
            shown = ", ".join(f"“{c}”" for c in new[:8]) + (" …" if len(new) > 8 else "")
            notices.append(Notice("unknown_categories", {"count": len(new), "examples": shown}))


__all__ = [
    "DAY_FIRST",
    "MONTH_FIRST",
    "PreparedFile",
    "error_text",
    "read_complaint_file",
]
