"""Customer satisfaction: CSAT% and mean score per unit, against the yearly indicator; the rating chain."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.metrics.scope import (
    UNIT_ID,
    attribute,
    check_level,
    frame,
    per_unit,
    safe_ratio,
)
from core.models import CsatTarget, Department, RepRating, Supervisor, SupervisorRating, Survey
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, parse_quarter, week_start

CSAT_COLUMNS = [UNIT_ID, "responses", "csat_pct", "mean_score"]
CHAIN_COLUMNS = [
    "rating",
    "rating_index",
    "responses",
    "csat_pct",
    "mean_score",
    "customer_index",
    "gap",
    "gap_flag",
]
# Codes of the rating-chain verdict, with the words shown for each.
GAP_FLAGS: dict[str, dict[str, str]] = {
    "over": {"zh": "评分明显高于客户评价", "en": "rated well above what customers say"},
    "under": {"zh": "评分明显低于客户评价", "en": "rated well below what customers say"},
    "within": {"zh": "评分与客户评价相符", "en": "rating in line with customers"},
    "no_data": {"zh": "客户问卷太少，无法比较", "en": "too few customer surveys to compare"},
}

_survey = Survey.__table__


def csat_by(
    session: Session,
    window: Window,
    level: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """CSAT% (share of scores >= 4, a fraction), mean score and response count per unit.

    Rows exist only for units with at least one response, except the company level, which is
    always one row (unit_id 0; NaN figures when there are no responses).
    """
    check_level(level)
    params = params or DEFAULT_PARAMS
    s = _survey
    stmt = select(s.c.id).select_from(s).where(s.c.date >= window.start, s.c.date <= window.end)
    stmt, unit = attribute(
        stmt, level, rep_id=s.c.rep_id, day=s.c.date, department_id=None, department_ids=department_ids
    )
    satisfied = func.sum(case((s.c.score >= params.csat_satisfied_min_score, 1), else_=0))
    stmt = per_unit(
        stmt,
        level,
        unit,
        func.count().label("responses"),
        satisfied.label("satisfied"),
        func.sum(s.c.score).label("score_sum"),
    )
    raw = frame(session, stmt, [UNIT_ID, "responses", "satisfied", "score_sum"])
    return _csat_frame(raw)


def _csat_frame(raw: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({UNIT_ID: raw[UNIT_ID].astype("int64")})
    out["responses"] = raw["responses"].fillna(0).astype("int64")
    out["csat_pct"] = safe_ratio(raw["satisfied"], raw["responses"])
    out["mean_score"] = safe_ratio(raw["score_sum"], raw["responses"])
    return out.sort_values(UNIT_ID, ignore_index=True)


def csat_vs_target(
    session: Session,
    window: Window,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """Each department's CSAT over the window beside its indicator for the window's final year.

    Columns: department_id, responses, csat_pct, mean_score, target_pct (fraction), gap
    (csat_pct - target_pct), meets_target (nullable boolean). Every department in scope has a row.
    """
    ids = None if department_ids is None else list(department_ids)
    departments = _department_ids(session, ids)
    csat = csat_by(session, window, "department", ids, params).rename(columns={UNIT_ID: "department_id"})
    t = CsatTarget.__table__
    targets = frame(
        session,
        select(t.c.department_id, t.c.csat_pct).where(t.c.year == window.end.year),
        ["department_id", "target_pct"],
    )
    targets["target_pct"] = targets["target_pct"].astype("float64") / 100.0
    out = departments.merge(csat, on="department_id", how="left").merge(
        targets, on="department_id", how="left"
    )
    out["responses"] = out["responses"].fillna(0).astype("int64")
    out["gap"] = out["csat_pct"] - out["target_pct"]
    meets = out["csat_pct"] >= out["target_pct"]
    out["meets_target"] = meets.astype("boolean").where(out["gap"].notna(), pd.NA)
    return out[["department_id", "responses", "csat_pct", "mean_score", "target_pct", "gap", "meets_target"]]


def csat_weekly(
    session: Session,
    window: Window,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """CSAT per department per ISO week (week_start = Monday) over the window, with the indicator.

    Weeks cut by the window count only the days inside it. No row for a week without surveys.
    """
    params = params or DEFAULT_PARAMS
    s = _survey
    stmt = select(s.c.id).select_from(s).where(s.c.date >= window.start, s.c.date <= window.end)
    stmt, unit = attribute(
        stmt,
        "department",
        rep_id=s.c.rep_id,
        day=s.c.date,
        department_id=None,
        department_ids=department_ids,
    )
    satisfied = func.sum(case((s.c.score >= params.csat_satisfied_min_score, 1), else_=0))
    stmt = stmt.with_only_columns(
        unit.label("department_id"),
        s.c.date,
        func.count(),
        satisfied,
        func.sum(s.c.score),
    ).group_by(unit, s.c.date)
    raw = frame(session, stmt, ["department_id", "date", "responses", "satisfied", "score_sum"])
    columns = ["department_id", "week_start", "responses", "csat_pct", "mean_score", "target_pct"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    raw["week_start"] = [week_start(day) for day in raw["date"]]
    weekly = raw.groupby(["department_id", "week_start"], as_index=False)[
        ["responses", "satisfied", "score_sum"]
    ].sum()
    weekly["csat_pct"] = safe_ratio(weekly["satisfied"], weekly["responses"])
    weekly["mean_score"] = safe_ratio(weekly["score_sum"], weekly["responses"])
    t = CsatTarget.__table__
    targets = frame(
        session, select(t.c.department_id, t.c.year, t.c.csat_pct), ["department_id", "year", "pct"]
    )
    weekly["year"] = [w.year for w in weekly["week_start"]]
    weekly = weekly.merge(targets, on=["department_id", "year"], how="left")
    weekly["target_pct"] = weekly["pct"].astype("float64") / 100.0
    weekly["responses"] = weekly["responses"].astype("int64")
    return weekly[columns].sort_values(["department_id", "week_start"], ignore_index=True)


# --- the rating chain ---------------------------------------------------------------------


def satisfaction_index(score: pd.Series | float) -> pd.Series | float:
    """A 1-5 score on the 0-100 index: 1 -> 0, 3 -> 50, 5 -> 100."""
    return (score - 1.0) / 4.0 * 100.0


def rep_rating_chain(
    session: Session,
    quarter: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """Each supervisor's quarterly rating of a rep beside the rep's customers' surveys that quarter.

    Columns: rep_id, supervisor_id, department_id (the rating supervisor's), then CHAIN_COLUMNS.
    The customers' side counts every survey about the rep in the quarter, whichever team the
    rep was in on the day.
    """
    params = params or DEFAULT_PARAMS
    span = parse_quarter(quarter)
    r, sup = RepRating.__table__, Supervisor.__table__
    stmt = (
        select(r.c.rep_id, r.c.supervisor_id, sup.c.department_id, r.c.score)
        .join(sup, sup.c.id == r.c.supervisor_id)
        .where(r.c.quarter == quarter)
    )
    if department_ids is not None:
        stmt = stmt.where(sup.c.department_id.in_(list(department_ids)))
    ratings = frame(session, stmt, ["rep_id", "supervisor_id", "department_id", "rating"])
    csat = csat_by(session, span, "rep", None, params).rename(columns={UNIT_ID: "rep_id"})
    out = ratings.merge(csat, on="rep_id", how="left")
    out = _compare(out, params)
    return out[["rep_id", "supervisor_id", "department_id", *CHAIN_COLUMNS]].sort_values(
        ["supervisor_id", "rep_id"], ignore_index=True
    )


def supervisor_rating_chain(
    session: Session,
    quarter: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """The company's quarterly rating of a supervisor beside the team's customers' surveys."""
    params = params or DEFAULT_PARAMS
    span = parse_quarter(quarter)
    r, sup = SupervisorRating.__table__, Supervisor.__table__
    stmt = (
        select(r.c.supervisor_id, sup.c.department_id, r.c.score)
        .join(sup, sup.c.id == r.c.supervisor_id)
        .where(r.c.quarter == quarter)
    )
    ids = None if department_ids is None else list(department_ids)
    if ids is not None:
        stmt = stmt.where(sup.c.department_id.in_(ids))
    ratings = frame(session, stmt, ["supervisor_id", "department_id", "rating"])
    csat = csat_by(session, span, "supervisor", ids, params).rename(columns={UNIT_ID: "supervisor_id"})
    out = _compare(ratings.merge(csat, on="supervisor_id", how="left"), params)
    return out[["supervisor_id", "department_id", *CHAIN_COLUMNS]].sort_values(
        "supervisor_id", ignore_index=True
    )


def _compare(rated: pd.DataFrame, params: MetricParams) -> pd.DataFrame:
    out = rated.copy()
    out["rating"] = out["rating"].astype("float64")
    out["responses"] = out["responses"].fillna(0).astype("int64")
    out["rating_index"] = satisfaction_index(out["rating"])
    enough = out["responses"] >= params.rating_min_responses
    out["customer_index"] = satisfaction_index(out["mean_score"].astype("float64")).where(enough)
    out["gap"] = out["rating_index"] - out["customer_index"]
    threshold = params.rating_gap_threshold
    flag = pd.Series("within", index=out.index, dtype="str")
    flag[out["gap"] >= threshold] = "over"
    flag[out["gap"] <= -threshold] = "under"
    flag[~enough] = "no_data"
    out["gap_flag"] = flag
    return out


def rating_gaps(
    session: Session,
    quarter: str,
    department_ids: Iterable[int] | None = None,
    params: MetricParams | None = None,
) -> pd.DataFrame:
    """The flagged links of both chains ("over" or "under"), largest gap first.

    Columns: subject ('rep' or 'supervisor'), subject_id, supervisor_id (the rater of a rep; the
    rated supervisor), department_id, then CHAIN_COLUMNS.
    """
    reps = rep_rating_chain(session, quarter, department_ids, params)
    reps = reps.rename(columns={"rep_id": "subject_id"}).assign(subject="rep")
    sups = supervisor_rating_chain(session, quarter, department_ids, params)
    sups = sups.assign(subject="supervisor", subject_id=sups["supervisor_id"])
    columns = ["subject", "subject_id", "supervisor_id", "department_id", *CHAIN_COLUMNS]
    both = pd.concat([reps[columns], sups[columns]], ignore_index=True)
    flagged = both[both["gap_flag"].isin(["over", "under"])].copy()
    flagged["abs_gap"] = flagged["gap"].abs()
    flagged = flagged.sort_values(["abs_gap", "subject", "subject_id"], ascending=[False, True, True])
    return flagged[columns].reset_index(drop=True)


def supervisor_rating_bias(rep_chain: pd.DataFrame) -> pd.DataFrame:
    """Per rating supervisor: how far, on average, they rate their reps above their customers.

    Columns: supervisor_id, rated_reps, compared_reps, mean_gap (NaN with nothing to compare),
    over_flags, under_flags.
    """
    chain = rep_chain.assign(
        compared=rep_chain["gap"].notna(),
        over=rep_chain["gap_flag"] == "over",
        under=rep_chain["gap_flag"] == "under",
    )
    out = chain.groupby("supervisor_id", as_index=False).agg(
        rated_reps=("rep_id", "count"),
        compared_reps=("compared", "sum"),
        mean_gap=("gap", "mean"),
        over_flags=("over", "sum"),
        under_flags=("under", "sum"),
    )
    for column in ("rated_reps", "compared_reps", "over_flags", "under_flags"):
        out[column] = out[column].astype("int64")
    return out


def _department_ids(session: Session, ids: list[int] | None) -> pd.DataFrame:
    d = Department.__table__
    stmt = select(d.c.id).order_by(d.c.id)
    if ids is not None:
        stmt = stmt.where(d.c.id.in_(ids))
    return frame(session, stmt, ["department_id"])
