"""Supervisors side by side: the comparison table, each one's percentile in the company, ranking, leg trends.

Everything comes from the weekly KPI set (core.metrics.weekly) and the balance history
(core.balance), so a figure here is the figure the This week page, the report and the CLI show.
Percentiles are taken over every supervisor loaded (the company, for a director) before any
department or segment filter, so filtering never changes a supervisor's percentile.
"""

from __future__ import annotations

import decimal
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.balance import DIAGNOSES, LEG_LABELS, LEGS, balance_history, diagnosis_text
from core.i18n import N_, pick
from core.metrics.sqlcal import fetch_frame
from core.metrics.weekly import kpi_tables, weekly_kpi_set
from core.models import Department, Supervisor
from core.params import DEFAULT_PARAMS, MetricParams
from core.tables import Column


@dataclass(frozen=True)
class Kpi:
    """A supervisor KPI of the weekly set that can be ranked."""

    label: str  # English msgid
    higher_is_better: bool
    value_format: str  # a key of core.charts.VALUE_FORMATS


# The supervisor KPIs of the weekly set, in the order the ranking offers them.
KPIS: dict[str, Kpi] = {
    "attainment_13w": Kpi(N_("Target attainment, 13 weeks"), True, "percent"),
    "score_targets": Kpi(N_("Targets leg (0–100)"), True, "score"),
    "score_team": Kpi(N_("Team leg (0–100)"), True, "score"),
    "score_skills": Kpi(N_("Skills leg (0–100)"), True, "score"),
    "contribution_evenness": Kpi(N_("Contribution evenness"), True, "percent"),
    "exam_coverage": Kpi(N_("Exam coverage"), True, "percent"),
    "csat_pct_13w": Kpi(N_("CSAT, 13 weeks"), True, "percent"),
    "complaints_week": Kpi(N_("Complaints this week"), False, "number"),
    "complaint_rate_week": Kpi(N_("Complaint rate this week (per 100 customers)"), False, "decimal"),
}
SEGMENTS = ("bank", "non_bank")
SEGMENT_LABELS = {"bank": N_("Bank"), "non_bank": N_("Non-bank")}

COMPARISON_COLUMNS = [
    "supervisor_id",
    "code",
    "name",
    "label",
    "department_code",
    "department_name",
    "segment",
    "team_size",
    *KPIS,
    "team_skills_mean",
    "diagnosis",
    "diagnosis_last_week",
    "diagnosis_weeks",
    *(f"percentile_{kpi}" for kpi in KPIS),
]
TREND_COLUMNS = ["code", "name", "label", "department_code", "week", "leg", "score", "diagnosis"]


@dataclass(frozen=True)
class Comparison:
    """One row per supervisor (COMPARISON_COLUMNS) and their legs week by week (TREND_COLUMNS)."""

    week: str
    table: pd.DataFrame
    trend: pd.DataFrame

    def filtered(self, department_code: str | None = None, segment: str | None = None) -> Comparison:
        """The supervisors of one department and/or segment; their percentiles stay the company's."""
        table = filter_comparison(self.table, department_code, segment)
        trend = self.trend[self.trend["code"].isin(set(table["code"]))].reset_index(drop=True)
        return Comparison(week=self.week, table=table, trend=trend)


def supervisor_label(names: pd.Series, codes: pd.Series) -> pd.Series:
    """'李春梅 (S01)': names can repeat, codes cannot."""
    return names.astype(str) + " (" + codes.astype(str) + ")"


# Decimals each value format is shown with (as a fraction: a percent with one decimal is 0.001).
_SHOWN_DECIMALS = {"percent": 3, "score": 0, "number": 0, "decimal": 1}


def shown_values(kpi: str, values: pd.Series) -> pd.Series:
    """The values as the tables show them (rounded half up to the shown precision), for ranking.

    0.92003 and 0.91997 both read 92.0%: ranked on the shown value they share a rank and a
    percentile, so two equal figures on screen never get different places.
    """
    decimals = _SHOWN_DECIMALS[KPIS[kpi].value_format]
    step = decimal.Decimal(1).scaleb(-decimals)

    def rounded(value: object) -> float:
        if value is None or pd.isna(value):  # type: ignore[arg-type]
            return np.nan
        return float(decimal.Decimal(str(value)).quantize(step, rounding=decimal.ROUND_HALF_UP))

    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    return numbers.map(rounded).astype("float64")


def percentile_ranks(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Each value's percentile among the others, 0–100: the share of them it beats, ties counted half.

    percentile = (others strictly worse + ½ × others equal) ÷ (values − 1) × 100, so the best is
    100, the worst 0 and the middle 50. Missing values get none and are not counted; with
    fewer than two values there is nothing to compare with (NaN).
    """
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    present = numbers.dropna()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    if len(present) < 2:
        return out
    oriented = present if higher_is_better else -present
    # rank(method="average") = worse + (equal + 1) / 2, counting the value itself among the equal.
    worse_plus_half_ties = oriented.rank(method="average") - 1.0
    out[present.index] = worse_plus_half_ties / (len(present) - 1) * 100.0
    return out


def comparison_table(
    supervisors: pd.DataFrame, departments: pd.DataFrame, legs: pd.DataFrame
) -> pd.DataFrame:
    """Join the weekly set's supervisor rows to their department and team size, add the percentiles.

    supervisors: the weekly set's supervisor frame (kpi_tables) plus supervisor_id;
    departments: code, name, segment; legs: supervisor_id, team_size for the week.
    team_skills_mean is the mean of the team and skills legs (the balance map's x axis).
    """
    table = supervisors.merge(
        departments.rename(columns={"code": "department_code", "name": "department_name"}),
        on="department_code",
        how="left",
    ).merge(legs[["supervisor_id", "team_size"]], on="supervisor_id", how="left")
    table["team_size"] = table["team_size"].fillna(0).astype("int64")
    table["label"] = supervisor_label(table["name"], table["code"])
    for kpi in KPIS:
        table[kpi] = pd.to_numeric(table[kpi], errors="coerce").astype("float64")
    table["team_skills_mean"] = (table["score_team"] + table["score_skills"]) / 2.0
    for kpi, spec in KPIS.items():
        # On the value as shown, so equal figures on screen share a percentile.
        table[f"percentile_{kpi}"] = percentile_ranks(shown_values(kpi, table[kpi]), spec.higher_is_better)
    return table[COMPARISON_COLUMNS].reset_index(drop=True)


def filter_comparison(
    table: pd.DataFrame, department_code: str | None = None, segment: str | None = None
) -> pd.DataFrame:
    """The rows of one department and/or one segment (None: no filter on it)."""
    keep = pd.Series(True, index=table.index)
    if department_code is not None:
        keep &= table["department_code"] == department_code
    if segment is not None:
        keep &= table["segment"] == segment
    return table[keep].reset_index(drop=True)


def rank_supervisors(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The rows best first on `kpi`, with `rank` (1 = best; ties share the better rank) and `value`.

    Ranked on the value as shown (shown_values): equal figures on screen share the better rank
    (competition ranking 1, 2, 2, 4) and are listed in code order. Supervisors without a value
    come last, unranked (rank NaN), in code order.
    """
    spec = KPIS[kpi]
    value = table[kpi].astype("float64")
    shown = shown_values(kpi, value)
    oriented = shown if spec.higher_is_better else -shown
    ranked = table.assign(value=value, rank=oriented.rank(method="min", ascending=False))
    ranked = ranked.assign(_missing=shown.isna(), _key=-oriented)
    ranked = ranked.sort_values(["_missing", "_key", "code"], kind="stable")
    return ranked.drop(columns=["_missing", "_key"]).reset_index(drop=True)


def trend_frame(history: pd.DataFrame, supervisors: pd.DataFrame) -> pd.DataFrame:
    """The balance history in long form: one row per supervisor, week and leg (TREND_COLUMNS)."""
    if history.empty:
        return pd.DataFrame(columns=TREND_COLUMNS)
    named = history.merge(
        supervisors[["supervisor_id", "code", "name", "department_code"]], on="supervisor_id"
    )
    long = named.melt(
        id_vars=["code", "name", "department_code", "week", "diagnosis"],
        value_vars=[f"score_{leg}" for leg in LEGS],
        var_name="leg",
        value_name="score",
    )
    long["leg"] = long["leg"].str.removeprefix("score_")
    long["label"] = supervisor_label(long["name"], long["code"])
    long["score"] = pd.to_numeric(long["score"], errors="coerce").astype("float64")
    order = {leg: i for i, leg in enumerate(LEGS)}
    long = long.assign(_leg=long["leg"].map(order)).sort_values(["department_code", "code", "_leg", "week"])
    return long[TREND_COLUMNS].reset_index(drop=True)


def _names(session: Session, department_ids: Collection[int] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    d, s = Department.__table__, Supervisor.__table__
    departments = select(d.c.code, d.c.name, d.c.segment).order_by(d.c.code)
    supervisors = select(s.c.id, s.c.code, d.c.code).join(d, d.c.id == s.c.department_id)
    if department_ids is not None:
        departments = departments.where(d.c.id.in_(list(department_ids)))
        supervisors = supervisors.where(s.c.department_id.in_(list(department_ids)))
    return (
        fetch_frame(session, departments, ["code", "name", "segment"]),
        fetch_frame(session, supervisors, ["supervisor_id", "code", "department_code"]),
    )


def compare_supervisors(
    session: Session,
    week: str,
    *,
    department_ids: Collection[int] | None = None,
    trend_weeks: int | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> Comparison:
    """Every supervisor in scope for `week`, and their three legs over the `trend_weeks` weeks ending with it.

    trend_weeks defaults to the legs window (13). Percentiles are over the supervisors in scope.
    """
    kpi_set = weekly_kpi_set(session, week, department_ids=department_ids, params=params)
    if not kpi_set["supervisors"]:
        no_rows = pd.DataFrame(columns=COMPARISON_COLUMNS), pd.DataFrame(columns=TREND_COLUMNS)
        return Comparison(kpi_set["week"], *no_rows)
    departments, ids = _names(session, department_ids)
    supervisors = kpi_tables(kpi_set)["supervisors"].merge(ids, on=["code", "department_code"], how="left")
    history = balance_history(
        session,
        kpi_set["week"],
        trend_weeks or params.legs_window_weeks,
        department_ids=department_ids,
        params=params,
    )
    this_week = history[history["week"] == kpi_set["week"]]
    table = comparison_table(supervisors, departments, this_week)
    trend = trend_frame(history, supervisors)
    return Comparison(week=kpi_set["week"], table=table, trend=trend)


# How each KPI's values read in a table (core.tables kinds), by its chart value format.
_TABLE_KINDS = {"percent": "percent1", "score": "score", "number": "number", "decimal": "decimal"}


def diagnosis_label(code: object, lang: str) -> str:
    """The diagnosis in words ('Not enough data' when there is none)."""
    return diagnosis_text(code if isinstance(code, str) else None, lang)["label"]


def ranking_columns(kpi: str) -> tuple[Column, ...]:
    """The ranking table: rank and value on `kpi`, the company percentile, the balance behind it."""
    return (
        Column("rank", N_("Rank"), "number"),
        Column("label", N_("Supervisor")),
        Column("department_name", N_("Department")),
        Column("value", KPIS[kpi].label, _TABLE_KINDS[KPIS[kpi].value_format]),
        Column(f"percentile_{kpi}", N_("Percentile in the company"), "number"),
        Column("diagnosis", N_("Diagnosis"), diagnosis_label),
        Column("score_targets", N_("Targets leg"), "score"),
        Column("score_team", N_("Team leg"), "score"),
        Column("score_skills", N_("Skills leg"), "score"),
        Column("team_size", N_("Reps"), "number"),
    )


def leg_label(code: object, lang: str) -> str:
    return pick(LEG_LABELS[str(code)], lang)


def diagnosis_names(lang: str) -> dict[str, str]:
    """Every diagnosis code in words, and 'none' (no diagnosis) as the balance map draws it."""
    return {code: diagnosis_label(code, lang) for code in DIAGNOSES} | {"none": diagnosis_label(None, lang)}


def leg_names(lang: str) -> dict[str, str]:
    return {leg: leg_label(leg, lang) for leg in LEGS}


BALANCE_MAP_COLUMNS = (
    Column("label", N_("Supervisor")),
    Column("department_name", N_("Department")),
    Column("score_targets", KPIS["score_targets"].label, "score"),
    Column("score_team", KPIS["score_team"].label, "score"),
    Column("score_skills", KPIS["score_skills"].label, "score"),
    Column("team_skills_mean", N_("Mean of the team and skills legs"), "score"),
    Column("team_size", N_("Reps in the team"), "number"),
    Column("diagnosis", N_("Diagnosis"), diagnosis_label),
)
TREND_DOWNLOAD_COLUMNS = (
    Column("label", N_("Supervisor")),
    Column("department_code", N_("Department")),
    Column("week", N_("Week")),
    Column("leg", N_("Leg"), leg_label),
    Column("score", N_("Score (0–100)"), "score"),
    Column("diagnosis", N_("Diagnosis"), diagnosis_label),
)
