"""Translations and formats: every message in Chinese, bilingual texts complete, formats read right."""

from __future__ import annotations

import ast
import builtins
import logging
import string
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.pofile import read_po

from core import i18n
from core.i18n import (
    extract_messages,
    format_compact,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_points,
    format_week,
    language_from_locale,
    missing_translations,
    pick,
    read_catalogue,
    t,
    tn,
)
from core.settings import PROJECT_ROOT

# --- formats (hand-written expectations) ---------------------------------------------------


@pytest.mark.parametrize(
    ("call", "zh", "en"),
    [
        (lambda lang: format_number(1234567.5, lang), "1,234,568", "1,234,568"),
        (lambda lang: format_number(2.5, lang), "3", "3"),  # half up, as people round
        (lambda lang: format_number(1234.5678, lang, decimals=2), "1,234.57", "1,234.57"),
        (lambda lang: format_number(12, lang, signed=True), "+12", "+12"),
        (lambda lang: format_number(-12, lang, signed=True), "-12", "-12"),
        (lambda lang: format_number(None, lang), "—", "—"),
        (lambda lang: format_number(float("nan"), lang), "—", "—"),
        (lambda lang: format_number(pd.NA, lang), "—", "—"),
        (lambda lang: format_date(pd.NaT, lang), "—", "—"),
        (lambda lang: format_date(None, lang), "—", "—"),
        (lambda lang: format_percent(0.934, lang), "93%", "93%"),
        (lambda lang: format_percent(0.9345, lang, decimals=1), "93.5%", "93.5%"),
        (lambda lang: format_percent(0.125, lang), "13%", "13%"),
        (lambda lang: format_percent(1.5, lang), "150%", "150%"),
        (lambda lang: format_percent(-0.02, lang, signed=True), "-2%", "-2%"),
        (lambda lang: format_percent(None, lang), "—", "—"),
        (lambda lang: format_points(0.021, lang), "+2.1个百分点", "+2.1 pp"),
        (lambda lang: format_points(-0.005, lang), "-0.5个百分点", "-0.5 pp"),
        (lambda lang: format_currency(1234567, lang), "¥1,234,567", "CN¥1,234,567"),
        (lambda lang: format_currency(1234.5, lang, decimals=2), "¥1,234.50", "CN¥1,234.50"),
        (lambda lang: format_currency(-5000, lang, signed=True), "-¥5,000", "-CN¥5,000"),
        (lambda lang: format_currency(123456789, lang, compact=True), "¥1.2亿", "CN¥123.5M"),
        (lambda lang: format_compact(1234567, lang), "123.5万", "1.2M"),
        (lambda lang: format_date(date(2026, 11, 28), lang), "2026年11月28日", "Nov 28, 2026"),
        (lambda lang: format_date(datetime(2026, 1, 5, 9, 30), lang), "2026年1月5日", "Jan 5, 2026"),
        (lambda lang: format_date(date(2026, 11, 16), lang, style="MMMd"), "11月16日", "Nov 16"),
        (lambda lang: format_week("2026-W47", lang), "2026年第47周", "Week 47, 2026"),
        (
            lambda lang: format_week("2026-W47", lang, with_dates=True),
            "2026年第47周 (11月16日–11月22日)",
            "Week 47, 2026 (Nov 16–Nov 22)",
        ),
        # ISO week 1 of 2026 starts on Monday 29 December 2025.
        (
            lambda lang: format_week("2026-W01", lang, with_dates=True),
            "2026年第1周 (12月29日–1月4日)",
            "Week 1, 2026 (Dec 29–Jan 4)",
        ),
    ],
)
def test_formats_read_as_people_write_them(call, zh, en):
    assert call("zh") == zh
    assert call("en") == en


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh-CN", "zh"),
        ("zh", "zh"),
        ("zh-TW", "zh"),
        ("zh_Hans_CN", "zh"),
        ("ZH-cn", "zh"),
        ("en-US", "en"),
        ("de-DE", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_language_follows_the_browser_locale(locale, lang):
    assert language_from_locale(locale) == lang


# --- translation ------------------------------------------------------------------------


def test_translation_is_per_call_and_never_installed():
    assert t("Method", "zh") == "计算方法"
    assert t("Method", "en") == "Method"
    assert t("Method", "zh") == "计算方法"
    # Nothing process-global: no gettext `_` in builtins leaking one user's language to another.
    assert not hasattr(builtins, "_")


def test_placeholders_are_filled_in_both_languages():
    assert t("Week {week}, {year}", "en", week=3, year=2026) == "Week 3, 2026"
    assert t("Week {week}, {year}", "zh", week=3, year=2026) == "2026年第3周"


def test_an_unknown_message_falls_back_to_english():
    assert t("A sentence nobody translated", "zh") == "A sentence nobody translated"


def test_plural_forms(tmp_path: Path):
    po = tmp_path / "zh" / "LC_MESSAGES" / "x.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "{n} row"\nmsgid_plural "{n} rows"\nmsgstr[0] "{n} 行"\n',
        encoding="utf-8",
    )
    assert read_catalogue("zh", tmp_path)[("{n} row", "{n} rows")] == ("{n} 行",)
    assert tn("{n} row", "{n} rows", 1, "en") == "1 row"
    assert tn("{n} row", "{n} rows", 3, "en") == "3 rows"


@pytest.mark.parametrize(
    ("content", "lang", "expected"),
    [
        ({"zh": "忠诚型", "en": "Loyal"}, "zh", "忠诚型"),
        ({"zh": "忠诚型", "en": "Loyal"}, "en", "Loyal"),
        ({"en": "Loyal"}, "zh", "Loyal"),  # a missing language falls back (and the source test fails)
        ({"zh": "忠诚型"}, "en", "忠诚型"),
    ],
)
def test_pick_chooses_the_language(content, lang, expected):
    assert pick(content, lang) == expected


def test_several_files_merge_and_a_conflict_keeps_the_first(tmp_path: Path, caplog):
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    header = 'msgid ""\nmsgstr ""\n"Language: zh_Hans_CN\\n"\n\n'
    (folder / "a.po").write_text(header + 'msgid "Week"\nmsgstr "周"\n', encoding="utf-8")
    (folder / "b.po").write_text(
        header
        + 'msgid "Week"\nmsgstr "星期"\n\nmsgid "Rows"\nmsgstr "行数"\n\n#, fuzzy\nmsgid "To"\nmsgstr "到"\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="core.i18n"):
        catalogue = read_catalogue("zh", tmp_path)
    assert catalogue == {"Week": "周", "Rows": "行数"}  # fuzzy entries do not count as translated
    assert "conflicting translations" in caplog.text


# --- the catalogues against the source -------------------------------------------------------


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_in_the_source_has_a_chinese_translation():
    missing = missing_translations("zh")
    assert not missing, (
        "untranslated messages (python -m core.i18n prints .po entries for them):\n"
        + "\n".join(f"  {key!r} at {', '.join(where)}" for key, where in missing.items())
    )


def test_the_extractor_finds_messages_of_every_layer():
    found = extract_messages()
    assert "Method" in found  # ui/registry.py (N_) and pages/method.py (t)
    assert "Week {week}, {year}" in found  # core/i18n.py
    assert any(where.startswith("dashboard.py") for where in sum(found.values(), []))


def test_translations_keep_every_placeholder():
    catalogue = read_catalogue("zh")
    wrong = {
        key: value
        for key, value in catalogue.items()
        if isinstance(key, str) and isinstance(value, str) and _names(key) != _names(value)
    }
    assert not wrong


def test_no_two_catalogue_files_translate_a_message_differently():
    seen: dict[str, tuple[str, str]] = {}
    conflicts = []
    for path in i18n.catalogue_files("zh"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string or message.fuzzy or not isinstance(message.id, str):
                    continue
                if message.id in seen and seen[message.id][0] != message.string:
                    conflicts.append((message.id, seen[message.id][1], path.name))
                seen.setdefault(message.id, (message.string, path.name))
    assert not conflicts


def _source_files() -> list[Path]:
    files: set[Path] = set()
    for pattern in i18n.SOURCE_GLOBS:
        files.update(PROJECT_ROOT.glob(pattern.replace("**.py", "**/*.py")))
    return sorted(files)


def test_every_bilingual_text_has_both_languages():
    incomplete = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            if keys & {"zh", "en"} and not {"zh", "en"} <= keys:
                incomplete.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
            texts = {
                key.value: value.value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
                and key.value in ("zh", "en")
                and isinstance(value, ast.Constant)
            }
            # Both blank is a deliberate "no text"; one blank beside a text is a missing translation.
            if len(texts) == 2 and sum(not str(v).strip() for v in texts.values()) == 1:
                incomplete.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} (one side blank)")
    assert not incomplete, "bilingual dicts missing a language: " + ", ".join(incomplete)


def test_the_source_scan_sees_the_product_files():
    names = {str(p.relative_to(PROJECT_ROOT)) for p in _source_files()}
    assert {"dashboard.py", "core/i18n.py", "ui/glue.py", "pages/method.py"} <= names


# --- the thresholds' labels and units (Method page) ----------------------------------------


def test_every_threshold_has_a_label_and_a_unit_in_both_languages():
    from dataclasses import fields

    from core.params import PARAM_LABELS, PARAM_UNITS, UNIT_FORMATS, MetricParams

    names = {item.name for item in fields(MetricParams)}
    assert set(PARAM_LABELS) == names, "labels missing for " + ", ".join(sorted(names - set(PARAM_LABELS)))
    assert set(PARAM_UNITS) == names, "units missing for " + ", ".join(sorted(names - set(PARAM_UNITS)))
    for name, label in PARAM_LABELS.items():
        assert label["en"].strip() and label["zh"].strip(), name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label["zh"]), name
        assert label["en"] != name  # a human label, not the key
    assert set(PARAM_UNITS.values()) <= set(UNIT_FORMATS) | {"percent", "points_pct", "weight", "probability"}
    catalogue = read_catalogue("zh")
    assert all(text in catalogue for text in UNIT_FORMATS.values())


@pytest.mark.parametrize(
    ("name", "value", "zh", "en"),
    [
        ("legs_window_weeks", 13, "13 周", "13 weeks"),
        ("complaint_sla_hours", 48.0, "48 小时", "48 hours"),
        ("rag_attainment_amber", 0.9, "90%", "90%"),
        ("rag_csat_amber_margin", 0.05, "5个百分点", "5 pp"),
        ("plan_margin", 0.07, "7个百分点", "7 pp"),
        ("team_weight_evenness", 0.4, "0.4", "0.4"),
        ("spike_p_value", 0.01, "0.01", "0.01"),
        ("training_norm_hours", 16.0, "每位代表每 13 周 16 小时", "16 hours per rep per 13 weeks"),
        ("csat_satisfied_min_score", 4, "4 分（满分 5 分）", "4 of 5"),
        ("class_dormant_months", 6, "6 个月", "6 months"),
    ],
)
def test_a_threshold_reads_with_its_unit(name, value, zh, en):
    from core.params import param_value_text

    assert param_value_text(name, value, "zh") == zh
    assert param_value_text(name, value, "en") == en
