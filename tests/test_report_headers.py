"""PDF table headers break only where a reader would, in both languages, and columns make room for them."""

from __future__ import annotations

import pytest

from core.reports.pdf import column_widths, header_breaks, header_lines, header_width


def measure(text: str) -> float:
    """A stand-in for the font: a Chinese character or full-width sign is 2 wide, anything else 1."""
    return float(sum(2 if ord(c) >= 0x2E80 else 1 for c in text))


@pytest.mark.parametrize(
    ("header", "width", "shown"),
    [
        ("Attainment, 13 weeks", 12, "Attainment,\n13 weeks"),
        ("Attainment, 13 weeks", 30, "Attainment, 13 weeks"),  # fits: one line
        ("Complaints", 4, "Complaints"),  # a word is never broken, however narrow
        ("完成率（季度至今）", 10, "完成率\n（季度至今）"),  # before the bracket, not inside 季度
        ("满意度（13 周）", 8, "满意度\n（13 周）"),  # not "满意度（13" / "周）"
        ("满意度（本周）", 8, "满意度\n（本周）"),  # never a lone "）" on the second line
        ("解决时长中位数（小时）", 14, "解决时长中位数\n（小时）"),
        ("重点客户联系率", 8, "重点客户\n联系率"),  # no bracket, no space: between characters
    ],
)
def test_a_header_breaks_at_a_space_or_before_a_bracket(header, width, shown):
    assert header_lines(header, width, measure) == shown


@pytest.mark.parametrize(
    "header", ["完成率（本周）", "评分（1–5）", "Rating (1–5)", "Per 100 customers", "客户平均分（1–5）"]
)
def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(header):
    for at in header_breaks(header):
        assert header[at] not in "）)、%" and header[at - 1] not in "（("
        assert not (header[at - 1].isascii() and header[at - 1].isalnum() and header[at].isalnum())


def test_a_header_needs_the_width_of_its_wider_line_at_the_preferred_break():
    assert header_width("完成率（季度至今）", measure) == measure("（季度至今）") == 12
    assert header_width("Attainment, 13 weeks", measure) == len("Attainment,")
    assert header_width("Spike", measure) == 5


def test_columns_keep_their_proportions_and_make_room_for_what_they_need():
    assert column_widths([10, 30], [1, 1], 80) == pytest.approx([20, 60])
    widths = column_widths([10, 30, 10], [30, 5, 5], 100)  # the first needs more than its share
    assert widths[0] == pytest.approx(30) and sum(widths) == pytest.approx(100)
    assert all(w >= need for w, need in zip(widths, [30, 5, 5], strict=True))
    assert column_widths([10, 10], [80, 40], 60) == pytest.approx([40, 20])  # no room: shares by need
