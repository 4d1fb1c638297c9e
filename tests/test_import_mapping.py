"""Matching a file's columns to Tripod's complaint fields: aliases, signatures, saved mappings, categories."""

from __future__ import annotations

import pytest

from core.importing.errors import FileRefused
from core.importing.mapping import (
    COMPLAINT_FIELDS,
    category_key,
    header_signature,
    missing_required,
    normalise_header,
    resolve_mapping,
    suggest_mapping,
)
from core.importing.prepare import read_complaint_file


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("Status", "status"),
        ("  Complaint   ID ", "complaint id"),
        ("Ｃｏｍｐｌａｉｎｔ　ＩＤ", "complaint id"),  # full-width letters and an ideographic space
        ("投诉编号\u00a0", "投诉编号"),
        ("ＳＴＡＴＵＳ（状态）", "status(状态)"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_header(header, normalised):
    assert normalise_header(header) == normalised


ALIASES = [
    # every alias the issue names, and the field it suggests
    ("投诉编号", "id"),
    ("工单号", "id"),
    ("Ticket #", "id"),
    ("Complaint ID", "id"),
    ("Unique Key", "id"),
    ("受理时间", "received_at"),
    ("投诉时间", "received_at"),
    ("留言时间", "received_at"),
    ("Date received", "received_at"),
    ("Created Date", "received_at"),
    ("客户名称", "customer"),
    ("客户编号", "customer"),
    ("所属部门", "department"),
    ("投诉类别", "category"),
    ("问题类型", "category"),
    ("Issue", "category"),
    ("Product", "category"),
    ("Complaint Type", "category"),
    ("处理状态", "status"),
    ("Status", "status"),
    ("结案时间", "resolved_at"),
    ("答复时间", "resolved_at"),
    ("Closed Date", "resolved_at"),
    ("投诉内容", "description"),
    ("留言详情", "description"),
    ("Description", "description"),
    # found in the real exports
    ("留言编号", "id"),
    ("complaint_id", "id"),
    ("Call Id", "id"),
    ("complain_time", "received_at"),
    ("date_received", "received_at"),
    ("problem_desc", "description"),
    ("Agency", "department"),
    ("Open Data Channel Type", "channel"),
    ("submitted_via", "channel"),
    ("Topic", "category"),
    ("Descriptor", "description"),
    # spelled differently
    ("TICKET_NO", "id"),
    ("ＣＲＥＡＴＥＤ　ＤＡＴＥ", "received_at"),
    ("severity", "severity"),
    ("紧急程度", "severity"),
    ("投诉渠道", "channel"),
]


@pytest.mark.parametrize(("header", "field"), ALIASES)
def test_alias_suggests_field(header, field):
    assert suggest_mapping(["unrelated", header]) == {field: header}


HINTS = [
    # headers no alias names exactly, matched by keywords; and look-alikes that must not match
    (["投诉受理时间"], {"received_at": "投诉受理时间"}),
    (["最终结案日期"], {"resolved_at": "最终结案日期"}),
    (["客户名称（全称）"], {"customer": "客户名称（全称）"}),
    (["投诉事项类别"], {"category": "投诉事项类别"}),
    (["受理人"], {}),  # the person, not the time
    (["客户经理"], {}),  # the account manager, not the customer
    (["客户类型"], {}),  # a customer attribute, not the complaint's category
    (["答复意见"], {}),  # the reply text, not the reply time
    (["Resolved"], {}),  # a Y/N flag in the call-center file, not a time
    (["car_type"], {}),
]


@pytest.mark.parametrize(("headers", "expected"), HINTS)
def test_keyword_hints(headers, expected):
    assert suggest_mapping(headers) == expected


def test_each_column_and_field_is_used_once_best_match_first():
    headers = ["状态", "处理状态", "Issue", "Product", "编号", "投诉编号"]
    assert suggest_mapping(headers) == {"id": "投诉编号", "category": "Issue", "status": "处理状态"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Call Id", "Date", "Time"], {"id": "Call Id", "received_date": "Date", "received_time": "Time"}),
        (["受理时间", "日期", "时间"], {"received_at": "受理时间"}),
        (["编号", "时间"], {"id": "编号"}),  # a time alone says nothing about the day
    ],
)
def test_date_and_time_columns(headers, expected):
    assert suggest_mapping(headers) == expected


def test_header_signature_survives_case_width_and_spacing_but_not_order():
    signature = header_signature(["Ticket #", "Created Date", "状态"])
    assert signature == header_signature(["ticket #", " ＣＲＥＡＴＥＤ  DATE", "状态"])
    assert signature != header_signature(["Created Date", "Ticket #", "状态"])
    assert len(signature) == 64 and int(signature, 16) >= 0


def test_resolve_mapping_matches_saved_columns_after_normalisation():
    columns = ["TICKET #", "Created Date", "STATUS"]
    saved = {"id": "Ticket #", "received_at": "created date", "status": "Status", "channel": ""}
    assert resolve_mapping(saved, columns) == {
        "id": "TICKET #",
        "received_at": "Created Date",
        "status": "STATUS",
    }


@pytest.mark.parametrize(
    ("mapping", "code", "words"),
    [
        ({"id": "Ticket"}, "mapping_unknown_column", "“Ticket” for id"),
        ({"priority": "id"}, "mapping_unknown_field", "“priority” is not a complaint field"),
        ({"received_at": "when", "received_time": "when"}, "mapping_both_received", "not both"),
    ],
)
def test_resolve_mapping_refuses_what_does_not_fit(mapping, code, words):
    with pytest.raises(FileRefused) as refused:
        resolve_mapping(mapping, ["id", "when"])
    assert refused.value.code == code and words in refused.value.message_en
    assert refused.value.message_zh


@pytest.mark.parametrize(
    ("mapping", "missing"),
    [
        ({"id": "a", "received_at": "b"}, []),
        ({"id": "a", "received_date": "b"}, []),
        ({"received_at": "b"}, ["id"]),
        ({"id": "a", "received_time": "c"}, ["received_at"]),
        ({}, ["id", "received_at"]),
    ],
)
def test_required_fields(mapping, missing):
    assert missing_required(mapping) == missing


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("PLUMBING", "plumbing"),
        (" Plumbing ", "plumbing"),
        ("服务态度", "服务态度"),
        ("Ｂｉｌｌｉｎｇ　Ｅｒｒｏｒ", "billing error"),
        ("Noise  - Vehicle", "noise - vehicle"),
    ],
)
def test_category_key(written, key):
    assert category_key(written) == key


def test_every_field_has_labels_in_both_languages():
    for spec in COMPLAINT_FIELDS:
        assert spec.label("en") and spec.label("zh") and spec.label("en") != spec.label("zh")


# --- through the whole file ---------------------------------------------------------------


def test_a_saved_mapping_is_applied_to_the_same_export_again():
    first = b"Ticket #,Created Date,Kind\nT1,2024-03-05 10:00,Billing\n"
    again = b"TICKET #,CREATED DATE,KIND\nT2,2024-03-06 11:00,billing\n"
    saved = read_complaint_file(
        first, "a.csv", mapping={"id": "Ticket #", "received_at": "Created Date", "category": "Kind"}
    )
    assert saved.mapping_source == "given" and saved.suggested_mapping.get("category") is None
    prepared = read_complaint_file(again, "b.csv", mapping=saved.mapping)
    assert prepared.header_signature == saved.header_signature
    assert prepared.mapping == {"id": "TICKET #", "received_at": "CREATED DATE", "category": "KIND"}
    assert prepared.fields.loc[2, "category_key"] == saved.fields.loc[2, "category_key"] == "billing"


def test_a_file_without_required_columns_is_previewed_but_not_ready():
    prepared = read_complaint_file("客户名称,投诉内容\n招商银行,服务差\n".encode(), "f.csv")
    assert prepared.rows_read == 1 and prepared.missing_required == ["id", "received_at"]
    assert not prepared.ready
    with pytest.raises(FileRefused) as refused:
        prepared.require_ready()
    assert refused.value.code == "mapping_incomplete"
    assert "id (Complaint id / 投诉编号)" in refused.value.message_en
    assert "投诉编号" in refused.value.message_zh


def test_text_fields_are_trimmed_and_kept_as_written():
    data = (
        '编号,受理时间,投诉类别,投诉内容\n A1 ,2024-03-05,\u3000Ｂｉｌｌｉｎｇ\u00a0," 第一行\r\n第二行 "\n'
    ).encode()
    prepared = read_complaint_file(data, "f.csv")
    assert prepared.fields.loc[2, "id"] == "A1"
    assert prepared.fields.loc[2, "category"] == "Ｂｉｌｌｉｎｇ"  # stored as written
    assert prepared.fields.loc[2, "category_key"] == "billing"  # grouped by its key
    assert prepared.fields.loc[2, "description"] == "第一行\n第二行"


def test_unknown_and_variant_categories_are_listed():
    data = (
        "编号,受理时间,投诉类别\nA1,2024-03-05,Billing\nA2,2024-03-05,BILLING \nA3,2024-03-05,Noise\n"
    ).encode()
    prepared = read_complaint_file(data, "f.csv", known_categories=["billing"])
    notices = {n.code: n for n in prepared.notices}
    assert notices["category_variants"].params["groups"] == "BILLING / Billing"
    assert notices["unknown_categories"].params == {"count": 1, "examples": "“Noise”"}
    assert prepared.fields["category"].tolist() == ["Billing", "BILLING", "Noise"]
