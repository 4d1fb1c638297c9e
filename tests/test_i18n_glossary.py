"""One Chinese term per concept, in every catalogue and in docs/metrics.zh.md.

The glossary: a complaint spike is 异常高峰 (never 激增, nor 高峰 alone); a sales rep is 代表;
target attainment is 完成率 (never 达成率); CSAT is 满意度 (never 客户满意度 beside it); the
complaints nobody could attribute are "Unmatched complaints" / 未匹配的投诉 wherever they are named.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from core.settings import PROJECT_ROOT

CATALOGUES = sorted((PROJECT_ROOT / "locales" / "zh" / "LC_MESSAGES").glob("*.po"))
DOC = PROJECT_ROOT / "docs" / "metrics.zh.md"

# (the term not to use, what to use instead)
AVOID = [
    ("激增", "异常高峰"),
    ("销售代表", "代表"),
    ("达成率", "完成率"),
    ("客户满意度", "满意度"),
]
LONE_PEAK = re.compile(r"(?<!异常)高峰")


def translations() -> list[tuple[str, str]]:
    out = []
    for path in CATALOGUES:
        with path.open("rb") as handle:
            for message in read_po(handle, locale="zh_Hans_CN"):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                out.extend((path.name, text) for text in strings if text)
    return out


@pytest.mark.parametrize(("avoid", "use"), AVOID)
def test_each_concept_has_one_term_in_the_catalogues_and_the_method_document(avoid, use):
    found = [f"{name}: {text}" for name, text in translations() if avoid in text]
    assert not found, f"use {use} for {avoid}: {found}"
    assert avoid not in DOC.read_text("utf-8"), f"docs/metrics.zh.md: use {use} for {avoid}"


def test_a_spike_is_always_an_abnormal_peak():
    found = [f"{name}: {text}" for name, text in translations() if LONE_PEAK.search(text)]
    assert not found
    assert not LONE_PEAK.search(DOC.read_text("utf-8"))


def test_the_satisfaction_page_names_unmatched_complaints_as_upload_does():
    page = (PROJECT_ROOT / "pages" / "satisfaction.py").read_text("utf-8")
    assert 't("Unmatched complaints", lang)' in page
    assert "waiting for attribution" not in page
