"""Chart conventions: one template, colours fixed per code whatever the rows, builders safe on empty data."""

from __future__ import annotations

import pandas as pd
import plotly.io as pio
import pytest

from core import charts
from core.charts import (
    CUSTOMER_CLASS_COLOURS,
    DEPARTMENT_PALETTE,
    DIAGNOSIS_COLOURS,
    NEUTRAL,
    TEMPLATE_NAME,
    bar_chart,
    colours_for,
    department_colours,
    legs_chart,
    line_chart,
    pareto_chart,
    scatter_chart,
)

WEEKLY = pd.DataFrame(
    {
        "week": ["2026-W45", "2026-W46", "2026-W45", "2026-W46", "2026-W45", "2026-W46"],
        "department_code": ["D2", "D2", "D1", "D1", "D3", "D3"],
        "rate": [0.5, 0.7, 1.2, 0.9, 0.3, 0.4],
    }
)


def test_the_template_is_registered_with_a_cjk_font():
    assert TEMPLATE_NAME in pio.templates
    family = pio.templates[TEMPLATE_NAME].layout.font.family
    assert "Noto Sans CJK SC" in family and "WenQuanYi Micro Hei" in family


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (
            ["D1", "D2", "D3"],
            {"D1": DEPARTMENT_PALETTE[0], "D2": DEPARTMENT_PALETTE[1], "D3": DEPARTMENT_PALETTE[2]},
        ),
        (
            ["D3", "D1", "D2", "D1"],
            {"D1": DEPARTMENT_PALETTE[0], "D2": DEPARTMENT_PALETTE[1], "D3": DEPARTMENT_PALETTE[2]},
        ),
        (
            [f"D{i:02d}" for i in range(12)][::-1],
            {"D10": DEPARTMENT_PALETTE[0], "D11": DEPARTMENT_PALETTE[1]},
        ),
    ],
)
def test_department_colours_depend_on_codes_not_on_order(codes, expected):
    colours = department_colours(codes)
    for code, colour in expected.items():
        assert colours[code] == colour


def test_diagnosis_and_class_colours_cover_every_code_and_unknowns_are_grey():
    assert set(DIAGNOSIS_COLOURS) == {
        "balanced",
        "targets_only",
        "team_only",
        "skills_only",
        "neglects_targets",
        "neglects_team",
        "neglects_skills",
        "struggling",
    }
    assert len(set(DIAGNOSIS_COLOURS.values())) == len(DIAGNOSIS_COLOURS)
    assert set(CUSTOMER_CLASS_COLOURS) >= {"loyal", "fast_growing", "worth_nurturing", "dormant"}
    assert colours_for(["balanced", "mystery"], DIAGNOSIS_COLOURS) == {
        "balanced": DIAGNOSIS_COLOURS["balanced"],
        "mystery": NEUTRAL,
    }


def test_a_line_keeps_its_colour_when_rows_are_shuffled_or_filtered():
    palette = department_colours(["D1", "D2", "D3"])
    names = {"D1": "银行一部", "D2": "银行二部", "D3": "企业客户部"}
    whole = line_chart(
        WEEKLY, x="week", y="rate", colour="department_code", colour_map=palette, names=names, title="t"
    )
    shuffled = line_chart(
        WEEKLY.iloc[::-1],
        x="week",
        y="rate",
        colour="department_code",
        colour_map=palette,
        names=names,
        title="t",
    )
    only_d2 = line_chart(
        WEEKLY[WEEKLY.department_code == "D2"],
        x="week",
        y="rate",
        colour="department_code",
        colour_map=palette,
        names=names,
        title="t",
    )
    expected = {"银行一部": palette["D1"], "银行二部": palette["D2"], "企业客户部": palette["D3"]}
    assert {tr.name: tr.line.color for tr in whole.data} == expected
    assert {tr.name: tr.line.color for tr in shuffled.data} == expected
    assert {tr.name: tr.line.color for tr in only_d2.data} == {"银行二部": palette["D2"]}
    assert [tr.name for tr in whole.data] == ["银行一部", "银行二部", "企业客户部"]  # legend in code order


def test_builders_share_the_template_title_and_value_format():
    fig = line_chart(
        WEEKLY, x="week", y="rate", colour="department_code", title="投诉率", value_format="percent"
    )
    assert fig.layout.title.text == "投诉率"
    assert fig.layout.template.layout.font.family == pio.templates[TEMPLATE_NAME].layout.font.family
    assert fig.layout.yaxis.tickformat == ".0%"
    money = bar_chart(WEEKLY, x="week", y="rate", title="x", value_format="currency", horizontal=True)
    assert money.layout.xaxis.tickprefix == "¥"


@pytest.mark.parametrize(
    "build",
    [
        lambda f: line_chart(f, x="week", y="rate", title="t", empty_text="无数据"),
        lambda f: bar_chart(f, x="week", y="rate", title="t", empty_text="无数据"),
        lambda f: scatter_chart(f, x="week", y="rate", title="t", empty_text="无数据"),
        lambda f: pareto_chart(
            f, category="week", count="rate", title="t", count_title="c", share_title="s", empty_text="无数据"
        ),
    ],
)
def test_empty_data_gives_a_figure_that_says_so(build):
    fig = build(WEEKLY.iloc[0:0])
    assert [a.text for a in fig.layout.annotations] == ["无数据"]


def test_pareto_sorts_by_count_then_category_and_accumulates_to_one():
    frame = pd.DataFrame({"category": ["价格", "服务态度", "交付延迟", "发票"], "count": [10, 30, 10, 50]})
    fig = pareto_chart(
        frame, category="category", count="count", title="t", count_title="投诉数", share_title="累计占比"
    )
    bars, line = fig.data
    assert list(bars.x) == ["发票", "服务态度", "交付延迟", "价格"]
    assert list(line.y) == pytest.approx([0.5, 0.8, 0.9, 1.0])


def test_legs_chart_draws_three_bars_in_leg_colours_and_a_gap_for_no_data():
    fig = legs_chart(
        {"targets": 92.0, "team": 35.0, "skills": None},
        labels={"targets": "目标", "team": "团队", "skills": "技能"},
    )
    bar = fig.data[0]
    assert list(bar.y) == ["目标", "团队", "技能"]
    assert list(bar.x) == [92.0, 35.0, 0]
    assert list(bar.marker.color) == [charts.LEG_COLOURS["targets"], charts.LEG_COLOURS["team"], NEUTRAL]
    assert list(bar.text) == ["92", "35", "—"]
