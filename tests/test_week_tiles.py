"""core.week_view tiles: the CSAT tile from a small sample, and the quarter-to-date tile's as-of day."""

from __future__ import annotations

import pytest

from core.params import DEFAULT_PARAMS
from core.week_view import csat_tile, is_small_sample, tiles


def view(surveys: int, csat: float | None, *, status: str = "green") -> dict:
    keys = (
        "attainment_week",
        "attainment_qtd",
        "csat_pct_week",
        "complaint_rate_week",
        "complaints_week",
        "exam_coverage",
        "key_account_contact_coverage",
    )
    current = dict.fromkeys(keys, 0.5) | {
        "surveys_week": surveys,
        "csat_pct_week": csat,
        "bookings_week": 100.0,
        "target_week": 200.0,
        "customers": 50,
        "complaints_week": 2,
        "complaint_rate_week": 4.0,
    }
    return {
        "week": "2026-W47",
        "current": current,
        "deltas": dict.fromkeys(keys, 0.1),
        "statuses": dict.fromkeys(keys, status),
        "csat_indicator": 0.9,
    }


@pytest.mark.parametrize(
    ("surveys", "small"), [(0, False), (1, True), (4, True), (9, True), (10, False), (250, False)]
)
def test_a_small_sample_is_fewer_than_the_threshold_but_some(surveys, small):
    assert DEFAULT_PARAMS.csat_min_surveys == 10
    assert is_small_sample(surveys) is small


def test_four_surveys_at_100_percent_are_grey_with_their_count():
    tile = csat_tile(view(4, 1.0), "en")
    assert (tile.value, tile.status, tile.delta) == ("100%", None, None)  # not green, no arrow
    assert tile.sample == "small sample: 4 surveys"
    assert tile.help.startswith("4 survey answers; the indicator is 90%.")
    assert "Fewer than 10 answers" in tile.help
    assert csat_tile(view(1, 0.0), "zh").sample == "样本小：1 份问卷"


def test_enough_surveys_are_judged_as_usual():
    tile = csat_tile(view(12, 0.95), "en")
    assert (tile.value, tile.status, tile.delta, tile.sample) == ("95%", "green", "+10.0 pp", None)
    assert tile.help == "12 survey answers; the indicator is 90%."


def test_the_quarter_to_date_tile_names_its_day():
    shown = {tile.key: tile for tile in tiles(view(12, 0.95), "en")}
    assert shown["attainment_qtd"].label == "Target attainment, quarter to Nov 22"
    assert shown["attainment_qtd"].help.startswith(
        "From the first day of the quarter (Oct 1) to the end of this week (Nov 22)"
    )
    zh = {tile.key: tile for tile in tiles(view(12, 0.95), "zh")}
    assert zh["attainment_qtd"].label == "目标完成率（本季度截至11月22日）"
