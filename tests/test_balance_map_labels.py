"""The balance map's codes: inside the plot at 100, and placed so that close points do not share a spot."""

from __future__ import annotations

import pandas as pd

from core.charts import _LABEL_PLACES, BALANCE_MAP_RANGE, balance_map, label_positions

PLACES = {name for name, *_ in _LABEL_PLACES}


def frame(points: dict[str, tuple[float, float]]) -> pd.DataFrame:
    codes = list(points)
    return pd.DataFrame(
        {
            "code": codes,
            "label": [f"name ({c})" for c in codes],
            "team_skills_mean": [points[c][0] for c in codes],
            "score_targets": [points[c][1] for c in codes],
            "team_size": [8] * len(codes),
            "diagnosis": ["balanced"] * len(codes),
        }
    )


def test_the_axes_leave_room_above_100():
    fig = balance_map(frame({"S04": (33.0, 100.0)}), title="t", names={}, x_title="x", y_title="y")
    assert tuple(fig.layout.yaxis.range) == (0, BALANCE_MAP_RANGE) and BALANCE_MAP_RANGE >= 105
    assert tuple(fig.layout.xaxis.range) == (0, BALANCE_MAP_RANGE)
    assert list(fig.data[0].textposition) == ["top center"]  # fits above the point inside the plot


def test_two_points_close_together_get_different_places():
    # The demo's S06 and S03: a score apart on both legs.
    shown = label_positions([(68.0, 55.0), (70.0, 55.0)], ["S06", "S03"])
    assert shown[0] in PLACES and shown[1] in PLACES
    assert shown[0] != shown[1]


def test_far_apart_points_keep_the_code_on_top():
    assert label_positions([(10.0, 10.0), (60.0, 60.0)], ["S1", "S2"]) == ["top center", "top center"]


def test_a_point_with_no_free_place_is_named_by_its_hover_only():
    crowd = [(50.0 + dx, 50.0 + dy) for dx in (-3, 0, 3) for dy in (-3, 0, 3)]
    shown = label_positions(crowd, [f"S{i:02d}" for i in range(len(crowd))])
    assert None in shown  # nine points on top of each other cannot all be written
    fig = balance_map(
        frame({f"S{i:02d}": point for i, point in enumerate(crowd)}),
        title="t",
        names={},
        x_title="x",
        y_title="y",
    )
    texts = list(fig.data[0].text)
    assert "" in texts and any(texts)
    assert all(p in PLACES for p in fig.data[0].textposition)


def test_a_point_without_scores_gets_no_place():
    assert label_positions([(float("nan"), 50.0), (40.0, 40.0)], ["S1", "S2"]) == [None, "top center"]
