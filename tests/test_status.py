"""Red, amber and green of each figure against the thresholds in force (docs/metrics.md, "RAG status")."""

from __future__ import annotations

import pytest

from core.metrics.status import (
    attainment_status,
    complaint_status,
    contact_status,
    csat_status,
    department_statuses,
    exam_status,
    needs_explaining,
)
from core.params import DEFAULT_PARAMS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.25, "green"),
        (1.0, "green"),
        (0.9999, "amber"),
        (0.9, "amber"),
        (0.8999, "red"),
        (0.0, "red"),
        (None, None),
    ],
)
def test_attainment(value, expected):
    assert attainment_status(value) == expected


@pytest.mark.parametrize(
    ("value", "indicator", "expected"),
    [
        (0.90, 0.88, "green"),
        (0.88, 0.88, "green"),  # on the indicator
        (0.83, 0.88, "amber"),  # exactly 5 points below
        (0.8299, 0.88, "red"),
        (0.85, None, "green"),  # no indicator for the year: 85% stands in
        (0.80, None, "amber"),
        (0.79, None, "red"),
        (float("nan"), 0.88, None),
        (None, None, None),
    ],
)
def test_csat_against_the_indicator(value, indicator, expected):
    assert csat_status(value, indicator) == expected


@pytest.mark.parametrize(
    ("value", "exam", "contact"),
    [(1.0, "green", "green"), (0.9, "green", "green"), (0.8, "amber", "amber"), (0.75, "amber", "amber"),
     (0.7, "amber", "red"), (0.69, "red", "red"), (None, None, None)],
)  # fmt: skip
def test_exam_and_contact_coverage(value, exam, contact):
    assert (exam_status(value), contact_status(value)) == (exam, contact)


# Poisson(5): the spike bound at p=0.01 is 11, the amber bound at p=0.10 is 8.
@pytest.mark.parametrize(
    ("count", "mean", "spike", "expected"),
    [
        (12, 5.0, True, "red"),
        (9, 5.0, False, "amber"),
        (8, 5.0, False, "green"),  # at the amber bound is still ordinary
        (2, 0.0, False, "green"),  # after a silent quarter: below spike_min_complaints
        (3, 0.0, False, "amber"),
        (4, None, None, None),  # no baseline yet
        (None, 5.0, False, None),
    ],
)
def test_complaints_against_their_own_usual_week(count, mean, spike, expected):
    assert complaint_status(count, mean, spike) == expected


def test_a_department_row_gets_a_status_per_tile():
    row = {
        "attainment_week": 0.95,
        "attainment_qtd": 1.02,
        "csat_pct_week": None,
        "complaints_week": 12,
        "complaint_spike": True,
        "exam_coverage": 0.5,
        "key_account_contact_coverage": 0.9,
    }
    assert department_statuses(row, csat_indicator=0.9, complaint_baseline=5.0) == {
        "attainment_week": "amber",
        "attainment_qtd": "green",
        "csat_pct_week": None,
        "complaint_rate_week": "red",
        "exam_coverage": "red",
        "key_account_contact_coverage": "green",
    }


@pytest.mark.parametrize(
    ("row", "indicator", "reasons"),
    [
        (
            {"diagnosis": "balanced", "attainment_13w": 1.0, "csat_pct_13w": 0.9, "exam_coverage": 1.0},
            None,
            [],
        ),
        ({"diagnosis": "struggling"}, None, ["diagnosis"]),
        ({"diagnosis": None, "attainment_13w": 0.5}, None, ["attainment_13w"]),
        ({"diagnosis": "balanced", "csat_pct_13w": 0.80}, 0.9, ["csat_pct_13w"]),
        ({"diagnosis": "balanced", "csat_pct_13w": 0.80}, None, []),  # amber against the default 85%
        ({"diagnosis": "team_only", "exam_coverage": 0.2}, None, ["diagnosis", "exam_coverage"]),
    ],
)
def test_what_asks_for_a_note(row, indicator, reasons):
    assert needs_explaining(row, csat_indicator=indicator, params=DEFAULT_PARAMS) == reasons
