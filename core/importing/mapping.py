"""Tripod's complaint fields, and how a file's columns are matched to them (aliases, signatures, profiles)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from core.importing.errors import FileRefused


@dataclass(frozen=True)
class FieldSpec:
    """One complaint field a file column can be mapped to."""

    name: str
    kind: str  # id | datetime | date | time | text
    label_en: str
    label_zh: str
    aliases: tuple[str, ...] = ()
    max_length: int | None = None  # the Complaint column's limit

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang == "zh" else self.label_en


COMPLAINT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "id",
        "id",
        "Complaint id",
        "投诉编号",
        (
            "投诉编号",
            "投诉单号",
            "投诉id",
            "工单号",
            "工单编号",
            "工单id",
            "单号",
            "编号",
            "留言编号",
            "受理编号",
            "事件编号",
            "案件编号",
            "流水号",
            "complaint id",
            "complaint_id",
            "complaint no",
            "ticket #",
            "ticket",
            "ticket id",
            "ticket no",
            "ticket number",
            "case id",
            "case number",
            "case no",
            "unique key",
            "call id",
            "request id",
            "id",
        ),
        120,
    ),
    FieldSpec(
        "received_at",
        "datetime",
        "Received at",
        "受理时间",
        (
            "受理时间",
            "投诉时间",
            "留言时间",
            "来电时间",
            "创建时间",
            "登记时间",
            "提交时间",
            "反馈时间",
            "发生时间",
            "受理日期",
            "投诉日期",
            "留言日期",
            "来电日期",
            "创建日期",
            "登记日期",
            "date received",
            "date_received",
            "received at",
            "received",
            "received date",
            "created date",
            "created at",
            "created",
            "created time",
            "creation date",
            "open date",
            "opened",
            "opened at",
            "complain time",
            "complain_time",
            "complaint date",
            "complaint time",
            "reported at",
        ),
    ),
    FieldSpec(
        "received_date",
        "date",
        "Received date (time in another column)",
        "受理日期（时间在另一列）",
        ("日期", "date", "call date", "来电日"),
    ),
    FieldSpec(
        "received_time",
        "time",
        "Received time of day",
        "受理时刻",
        ("时间", "时刻", "time", "call time", "来电时刻", "受理时刻"),
    ),
    FieldSpec(
        "customer",
        "text",
        "Customer (code or name)",
        "客户（编号或名称）",
        (
            "客户名称",
            "客户编号",
            "客户",
            "客户代码",
            "客户简称",
            "客户全称",
            "单位名称",
            "投诉人",
            "投诉客户",
            "留言用户",
            "customer",
            "customer name",
            "customer id",
            "customer code",
            "client",
            "client name",
            "account",
            "account name",
        ),
        300,
    ),
    FieldSpec(
        "department",
        "text",
        "Department (code or name)",
        "部门（编号或名称）",
        (
            "所属部门",
            "部门",
            "部门名称",
            "部门编号",
            "责任部门",
            "处理部门",
            "承办部门",
            "承办单位",
            "department",
            "dept",
            "department name",
            "department code",
            "agency",
            "responsible department",
        ),
        300,
    ),
    FieldSpec(
        "category",
        "text",
        "Category",
        "投诉类别",
        (
            "投诉类别",
            "投诉类型",
            "投诉分类",
            "问题类型",
            "问题分类",
            "问题类别",
            "类别",
            "类型",
            "分类",
            "业务类型",
            "issue",
            "product",
            "complaint type",
            "category",
            "complaint category",
            "topic",
            "issue type",
            "problem type",
        ),
        200,
    ),
    FieldSpec(
        "severity",
        "text",
        "Severity",
        "严重程度",
        (
            "严重程度",
            "紧急程度",
            "投诉等级",
            "等级",
            "级别",
            "优先级",
            "severity",
            "priority",
            "urgency",
            "level",
        ),
        40,
    ),
    FieldSpec(
        "channel",
        "text",
        "Channel",
        "渠道",
        (
            "渠道",
            "投诉渠道",
            "受理渠道",
            "来源",
            "投诉来源",
            "来电渠道",
            "channel",
            "source",
            "submitted via",
            "submitted_via",
            "open data channel type",
            "contact channel",
            "origin",
        ),
        40,
    ),
    FieldSpec(
        "status",
        "text",
        "Status",
        "处理状态",
        (
            "处理状态",
            "状态",
            "工单状态",
            "投诉状态",
            "办理状态",
            "status",
            "state of case",
            "case status",
            "ticket status",
        ),
        40,
    ),
    FieldSpec(
        "resolved_at",
        "datetime",
        "Resolved at",
        "结案时间",
        (
            "结案时间",
            "答复时间",
            "办结时间",
            "回复时间",
            "处理完成时间",
            "完成时间",
            "关闭时间",
            "解决时间",
            "结案日期",
            "答复日期",
            "办结日期",
            "closed date",
            "closed at",
            "closed",
            "date closed",
            "resolved at",
            "resolved date",
            "resolution date",
            "close date",
            "completed at",
        ),
    ),
    FieldSpec(
        "description",
        "text",
        "Description",
        "投诉内容",
        (
            "投诉内容",
            "留言详情",
            "问题描述",
            "投诉描述",
            "内容",
            "详情",
            "描述",
            "诉求内容",
            "来电内容",
            "description",
            "details",
            "detail",
            "complaint",
            "complaint text",
            "narrative",
            "consumer complaint narrative",
            "consumer_complaint_narrative",
            "problem_desc",
            "problem description",
            "descriptor",
            "summary",
        ),
    ),
)
FIELDS: dict[str, FieldSpec] = {f.name: f for f in COMPLAINT_FIELDS}
REQUIRED_FIELDS = ("id", "received_at")  # received_at may come as received_date (+ received_time)
DATE_FIELDS = ("received_at", "received_date", "resolved_at")

# Second-tier hints for headers no alias names exactly: (field, any of, also any of, none of).
_HINTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("customer", ("客户",), (), ("类型", "类别", "经理", "电话")),
    ("department", ("部门", "department"), (), ()),
    (
        "resolved_at",
        ("结案", "办结", "答复", "回复", "关闭", "解决", "完成", "closed", "resolved"),
        ("时间", "日期", "time", "date"),
        (),
    ),
    (
        "received_at",
        ("受理", "投诉", "来电", "创建", "登记", "留言", "提交", "created", "received", "opened"),
        ("时间", "日期", "time", "date"),
        ("结案", "答复", "回复", "关闭", "closed", "resolved"),
    ),
    ("id", ("编号", "单号", "工单"), (), ("客户", "部门", "电话", "用户", "人员", "员工")),
    ("category", ("类别", "类型", "分类", "category"), (), ("客户", "渠道", "来源")),
    ("status", ("状态", "status"), (), ()),
    ("severity", ("严重", "紧急", "等级", "级别", "优先", "severity", "priority"), (), ()),
    ("channel", ("渠道", "来源", "channel"), (), ()),
    (
        "description",
        ("内容", "详情", "描述", "description", "narrative"),
        (),
        ("答复", "回复", "处理", "resolution"),
    ),
)


def normalise_header(text: object) -> str:
    """A header as compared: NFKC (full-width → half-width), trimmed, inner spaces single, case-folded."""
    folded = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return " ".join(folded.split())


def _alias_key(text: object) -> str:
    # Punctuation and spacing vary between exports of one system ("Ticket #", "ticket_no").
    return re.sub(r"[\W_]+", "", normalise_header(text))


_ALIAS_INDEX: dict[str, list[tuple[int, str]]] = {}
for _field in COMPLAINT_FIELDS:
    for _rank, _alias in enumerate(_field.aliases):
        _ALIAS_INDEX.setdefault(_alias_key(_alias), []).append((_rank, _field.name))


def header_signature(columns: list[str]) -> str:
    """sha256 of the normalised header: the same export layout gives the same signature."""
    joined = "\x1f".join(normalise_header(c) for c in columns)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """The best guess {field: column}: exact aliases first, then keyword hints; each column used once."""
    candidates: list[tuple[int, int, int, str, str]] = []
    for position, column in enumerate(columns):
        key = _alias_key(column)
        if not key:
            continue
        for rank, field_name in _ALIAS_INDEX.get(key, []):
            candidates.append((0, rank, position, field_name, column))
        folded = normalise_header(column)
        for rank, (field_name, any_of, also, none_of) in enumerate(_HINTS):
            if (
                any(w in folded for w in any_of)
                and (not also or any(w in folded for w in also))
                and not any(w in folded for w in none_of)
            ):
                candidates.append((1, rank, position, field_name, column))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _tier, _rank, _position, field_name, column in sorted(candidates):
        if field_name in mapping or column in used:
            continue
        mapping[field_name] = column
        used.add(column)
    if "received_at" in mapping:
        for split in ("received_date", "received_time"):
            if split in mapping:
                used.discard(mapping.pop(split))
    elif "received_time" in mapping and "received_date" not in mapping:
        mapping.pop("received_time")
    return {f.name: mapping[f.name] for f in COMPLAINT_FIELDS if f.name in mapping}


def resolve_mapping(mapping: dict[str, str], columns: list[str]) -> dict[str, str]:
    """Check a user's or a profile's mapping against the file; column names match after normalisation.

    Raises FileRefused naming the unknown field or column. Empty entries are dropped.
    """
    by_key = {normalise_header(c): c for c in reversed(columns)}
    resolved: dict[str, str] = {}
    for field_name, column in mapping.items():
        if not column:
            continue
        if field_name not in FIELDS:
            raise FileRefused("mapping_unknown_field", field=field_name, fields=", ".join(FIELDS))
        if column in columns:
            resolved[field_name] = column
        elif normalise_header(column) in by_key:
            resolved[field_name] = by_key[normalise_header(column)]
        else:
            shown = ", ".join(f"“{c}”" for c in columns[:30]) + (" …" if len(columns) > 30 else "")
            raise FileRefused("mapping_unknown_column", column=column, field=field_name, columns=shown)
    if "received_at" in resolved and ("received_date" in resolved or "received_time" in resolved):
        raise FileRefused("mapping_both_received")
    return {f.name: resolved[f.name] for f in COMPLAINT_FIELDS if f.name in resolved}


def missing_required(mapping: dict[str, str]) -> list[str]:
    """Required fields the mapping does not cover (received_date stands in for received_at)."""
    missing = []
    if "id" not in mapping:
        missing.append("id")
    if "received_at" not in mapping and "received_date" not in mapping:
        missing.append("received_at")
    return missing


def category_key(text: object) -> str:
    """The grouping key of a category: NFKC, trimmed, single spaces, case-folded. The text stays as "
    "written."""
    return normalise_header(text)
