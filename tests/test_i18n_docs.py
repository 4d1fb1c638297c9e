"""docs/metrics.zh.md is the Chinese docs/metrics.md: the same sections, formulas, identifiers and numbers.

The Method page shows the document of the interface language. These checks fail when one of the
two is edited without the other: a threshold changed, a section or table row added, a code span
(a formula, a setting, a column) renamed on one side only.
"""

from __future__ import annotations

import re

import pytest

from core.settings import PROJECT_ROOT

ENGLISH = PROJECT_ROOT / "docs" / "metrics.md"
CHINESE = PROJECT_ROOT / "docs" / "metrics.zh.md"

_CODE = re.compile(r"`([^`]+)`")
_NUMBER = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")
_HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)
_SECTION_MARK = re.compile(r"<!-- section: .*? -->")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Chinese writes "1 December" as "12月1日": month numbers may appear on the Chinese side only.
MONTHS = {str(n) for n in range(1, 13)}


def _sections(text: str) -> list[str]:
    """The text before the first '## ' heading, then one part per '## ' section."""
    return re.split(r"^(?=## )", text, flags=re.MULTILINE)


def _code_spans(text: str) -> set[str]:
    return {" ".join(span.split()) for span in _CODE.findall(text)}


def _numbers(text: str) -> set[str]:
    prose = _CODE.sub(" ", text)
    return {f"{float(n.replace(',', '')):g}" for n in _NUMBER.findall(prose)}


def _table_rows(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("|"))


def _heading_levels(text: str) -> list[int]:
    return [len(mark) for mark in _HEADING.findall(text)]


def _pairs() -> list[tuple[int, str, str]]:
    english, chinese = _sections(ENGLISH.read_text("utf-8")), _sections(CHINESE.read_text("utf-8"))
    assert len(english) == len(chinese), (
        f"{len(english)} parts in metrics.md, {len(chinese)} in metrics.zh.md"
    )
    return [(i, en, zh) for i, (en, zh) in enumerate(zip(english, chinese, strict=True))]


def _title(part: str) -> str:
    return part.splitlines()[0] if part.startswith("## ") else "(introduction)"


def test_both_documents_have_the_same_headings_and_section_marks():
    english, chinese = ENGLISH.read_text("utf-8"), CHINESE.read_text("utf-8")
    assert _heading_levels(english) == _heading_levels(chinese)
    assert _SECTION_MARK.findall(english) == _SECTION_MARK.findall(chinese)


@pytest.mark.parametrize("index", range(len(_sections(ENGLISH.read_text("utf-8")))))
def test_each_section_keeps_the_formulas_identifiers_and_numbers(index):
    _, english, chinese = _pairs()[index]
    where = _title(english)
    assert _code_spans(chinese) == _code_spans(english), (
        f"{where}: code spans only in English {_code_spans(english) - _code_spans(chinese)}, "
        f"only in Chinese {_code_spans(chinese) - _code_spans(english)}"
    )
    missing = _numbers(english) - _numbers(chinese)
    assert not missing, f"{where}: numbers of metrics.md missing in metrics.zh.md: {sorted(missing)}"
    extra = _numbers(chinese) - _numbers(english) - MONTHS
    assert not extra, f"{where}: numbers only in metrics.zh.md: {sorted(extra)}"
    assert _table_rows(chinese) == _table_rows(english), f"{where}: a table has other rows"


def test_the_chinese_document_is_written_in_chinese():
    for _, _, chinese in _pairs():
        prose = _CODE.sub("", _SECTION_MARK.sub("", chinese)).strip()
        if prose:
            assert len(_CJK.findall(prose)) > len(prose) // 5, _title(chinese)
