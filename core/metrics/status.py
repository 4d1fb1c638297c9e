"""Red, amber or green for each KPI of the weekly set, against the thresholds in core.params.

A status says whether a figure needs the manager: green is on track, amber is worth watching,
red needs an action (and, on a supervisor's week, a note explaining it). No data gives None,
never green. docs/metrics.md, section "RAG status", states each rule in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from core.metrics.complaints import poisson_upper_bound
from core.params import DEFAULT_PARAMS, MetricParams

STATUSES = ("green", "amber", "red")
# The supervisor figures whose red asks for a note (with a tipped balance).
SUPERVISOR_STATUS_KEYS = ("attainment_13w", "csat_pct_13w", "exam_coverage")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def band(value: float | None, green_from: float, amber_from: float) -> str | None:
    """green at or above green_from, amber at or above amber_from, red below; None without a value."""
    if _missing(value):
        return None
    if value >= green_from:
        return "green"
    if value >= amber_from:
        return "amber"
    return "red"


def attainment_status(value: float | None, params: MetricParams = DEFAULT_PARAMS) -> str | None:
    return band(value, params.rag_attainment_green, params.rag_attainment_amber)


def csat_status(
    value: float | None, indicator: float | None, params: MetricParams = DEFAULT_PARAMS
) -> str | None:
    """Against the department's indicator for the year, or the default indicator when it has none."""
    held_to = params.rag_csat_default_indicator if _missing(indicator) else float(indicator)  # type: ignore[arg-type]
    return band(value, held_to, held_to - params.rag_csat_amber_margin)


def exam_status(value: float | None, params: MetricParams = DEFAULT_PARAMS) -> str | None:
    return band(value, params.rag_exam_green, params.rag_exam_amber)


def contact_status(value: float | None, params: MetricParams = DEFAULT_PARAMS) -> str | None:
    return band(value, params.rag_contact_green, params.rag_contact_amber)


def complaint_status(
    count: int | None,
    baseline_mean: float | None,
    spike: bool | None,
    params: MetricParams = DEFAULT_PARAMS,
) -> str | None:
    """Red for a spike; amber above the looser Poisson bound of the same baseline; else green.

    The complaint log has no target, so a department is judged against its own usual week
    (the spike baseline). Without a baseline (a young log) there is no status.
    """
    if count is None or _missing(baseline_mean):
        return None
    if spike:
        return "red"
    looser = float(poisson_upper_bound(float(baseline_mean), params.rag_complaint_amber_p_value))  # type: ignore[arg-type]
    return "amber" if count > looser and count >= params.spike_min_complaints else "green"


def department_statuses(
    row: Mapping[str, Any],
    *,
    csat_indicator: float | None = None,
    complaint_baseline: float | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> dict[str, str | None]:
    """Status of each tile of a department row of the weekly KPI set (keys as in the set)."""
    return {
        "attainment_week": attainment_status(row.get("attainment_week"), params),
        "attainment_qtd": attainment_status(row.get("attainment_qtd"), params),
        "csat_pct_week": csat_status(row.get("csat_pct_week"), csat_indicator, params),
        "complaint_rate_week": complaint_status(
            row.get("complaints_week"), complaint_baseline, row.get("complaint_spike"), params
        ),
        "exam_coverage": exam_status(row.get("exam_coverage"), params),
        "key_account_contact_coverage": contact_status(row.get("key_account_contact_coverage"), params),
    }


def supervisor_statuses(
    row: Mapping[str, Any], *, csat_indicator: float | None = None, params: MetricParams = DEFAULT_PARAMS
) -> dict[str, str | None]:
    """Status of a supervisor row's 13-week attainment, 13-week CSAT and exam coverage."""
    return {
        "attainment_13w": attainment_status(row.get("attainment_13w"), params),
        "csat_pct_13w": csat_status(row.get("csat_pct_13w"), csat_indicator, params),
        "exam_coverage": exam_status(row.get("exam_coverage"), params),
    }


def is_tipped(diagnosis: str | None) -> bool:
    """A diagnosis other than balanced: one leg pushed or neglected, or all three weak."""
    return diagnosis is not None and not _missing(diagnosis) and diagnosis != "balanced"


def needs_explaining(
    row: Mapping[str, Any], *, csat_indicator: float | None = None, params: MetricParams = DEFAULT_PARAMS
) -> list[str]:
    """Why a supervisor's week asks for a note: 'diagnosis' when tipped, then each red figure's key."""
    reasons = ["diagnosis"] if is_tipped(row.get("diagnosis")) else []
    statuses = supervisor_statuses(row, csat_indicator=csat_indicator, params=params)
    return reasons + [key for key in SUPERVISOR_STATUS_KEYS if statuses[key] == "red"]
