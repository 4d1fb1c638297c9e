"""The three legs of each supervisor — targets, team, skills — scored 0–100 over the weeks ending with a week.

Definitions are in docs/metrics.md (section "legs"); every norm and weight in core.params.
The work is done in a fixed number of queries, whatever the number of reps or weeks: rows
grouped per supervisor (and rep) and ISO week come back from SQL, and the rolling 13-week
sums for every evaluated week are taken from cumulative sums in numpy. That is what lets
the balance history score 27 weeks for the price of one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Integer, and_, func, or_, select
from sqlalchemy.orm import Session

from core.metrics.sqlcal import fetch_frame, week_number
from core.metrics.targets import target_segments, weekly_bookings, weekly_targets
from core.models import Activity, ActivityAttendee, Assignment, Exam, Rep, Supervisor, Training
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import FIRST_MONDAY, Window, day_number, format_week, parse_week, week_index, week_of_index

LEG_COLUMNS = [
    "supervisor_id",
    "department_id",
    "week",
    "team_size",
    "members_13w",
    "bookings_13w",
    "target_13w",
    "attainment_13w",
    "score_targets",
    "contribution_evenness",
    "attendances_13w",
    "avg_headcount_13w",
    "cadence_rate",
    "cadence",
    "leavers_52w",
    "avg_headcount_52w",
    "retention",
    "score_team",
    "exam_coverage",
    "latest_score_mean",
    "training_hours_13w",
    "training_hours_per_rep",
    "training_ratio",
    "score_skills",
]
SCORE_COLUMNS = ("score_targets", "score_team", "score_skills")

# An open assignment or employment ends on this day number (year 2700): beyond any data.
_OPEN_END = 267_000
_DAYS_PER_CADENCE_PERIOD = 28

_asg = Assignment.__table__.alias("legs_asg")


def _supervisor_scope(column, department_ids: Collection[int] | None):  # type: ignore[no-untyped-def]
    """`column IN (supervisors of these departments)`, or None for the whole company."""
    if department_ids is None:
        return None
    s = Supervisor.__table__
    return column.in_(select(s.c.id).where(s.c.department_id.in_(list(department_ids))))


def _where(stmt, *conditions):  # type: ignore[no-untyped-def]
    for condition in conditions:
        if condition is not None:
            stmt = stmt.where(condition)
    return stmt


def _frame(session: Session, stmt, columns: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return fetch_frame(session, stmt, columns)


def _empty(keys: list[str], values: list[str]) -> pd.DataFrame:
    """An empty frame whose key columns are integers, so merges with real frames keep their types."""
    columns = {key: pd.Series(dtype="int64") for key in keys}
    columns.update({value: pd.Series(dtype="float64") for value in values})
    return pd.DataFrame(columns)


def _covers(day_column):  # type: ignore[no-untyped-def]
    """The assignment row in force on `day_column` (start included, end excluded)."""
    return and_(_asg.c.start_on <= day_column, or_(_asg.c.end_on.is_(None), _asg.c.end_on > day_column))


# --- queries (one each) -------------------------------------------------------------------


def _supervisors(session: Session, department_ids: Collection[int] | None) -> pd.DataFrame:
    s = Supervisor.__table__
    stmt = select(s.c.id, s.c.department_id).order_by(s.c.department_id, s.c.id)
    if department_ids is not None:
        stmt = stmt.where(s.c.department_id.in_(list(department_ids)))
    return _frame(session, stmt, ["supervisor_id", "department_id"])


def _memberships(session: Session, span: Window, department_ids: Collection[int] | None) -> pd.DataFrame:
    """Who was in which team when, clipped to employment: supervisor_id, rep_id, start, end, left.

    start/end are day numbers, end excluded; `left` is the rep's left_on as a day number
    (the first day no longer employed) or NaN.
    """
    r = Rep.__table__
    stmt = (
        select(_asg.c.supervisor_id, _asg.c.rep_id, _asg.c.start_on, _asg.c.end_on, r.c.hired_on, r.c.left_on)
        .select_from(_asg)
        .join(r, r.c.id == _asg.c.rep_id)
        .where(_asg.c.start_on <= span.end, or_(_asg.c.end_on.is_(None), _asg.c.end_on > span.start))
    )
    stmt = _where(stmt, _supervisor_scope(_asg.c.supervisor_id, department_ids))
    raw = _frame(session, stmt, ["supervisor_id", "rep_id", "start_on", "end_on", "hired_on", "left_on"])
    if raw.empty:
        return _empty(["supervisor_id", "rep_id"], ["start", "end", "left"])

    def days(values: pd.Series, missing: float) -> np.ndarray:
        return np.array(
            [missing if v is None or pd.isna(v) else day_number(v) for v in values], dtype="float64"
        )

    left = days(raw["left_on"], np.nan)
    frame = pd.DataFrame(
        {
            "supervisor_id": raw["supervisor_id"].astype("int64"),
            "rep_id": raw["rep_id"].astype("int64"),
            "start": np.maximum(days(raw["start_on"], 0), days(raw["hired_on"], 0)),
            "end": np.minimum(days(raw["end_on"], _OPEN_END), np.where(np.isnan(left), _OPEN_END, left)),
            "left": left,
        }
    )
    return frame[frame["start"] < frame["end"]].reset_index(drop=True)


def _weekly_attendances(
    session: Session, span: Window, department_ids: Collection[int] | None
) -> pd.DataFrame:
    """Attendances per supervisor and week: a rep of the team present at one of its activities."""
    act = Activity.__table__
    att = ActivityAttendee.__table__
    week = week_number(act.c.date)
    stmt = (
        select(act.c.supervisor_id, week, func.count())
        .select_from(act)
        .join(att, att.c.activity_id == act.c.id)
        .join(
            _asg,
            and_(
                _asg.c.rep_id == att.c.rep_id,
                _asg.c.supervisor_id == act.c.supervisor_id,
                _covers(act.c.date),
            ),
        )
        .where(act.c.date >= span.start, act.c.date <= span.end)
        .group_by(act.c.supervisor_id, week)
    )
    stmt = _where(stmt, _supervisor_scope(act.c.supervisor_id, department_ids))
    return _frame(session, stmt, ["supervisor_id", "week", "attendances"])


def _weekly_training(session: Session, span: Window, department_ids: Collection[int] | None) -> pd.DataFrame:
    """Training hours per supervisor and week, each hour for the team the rep was in that day."""
    tr = Training.__table__
    week = week_number(tr.c.date)
    stmt = (
        select(_asg.c.supervisor_id, week, func.sum(tr.c.hours))
        .select_from(tr)
        .join(_asg, and_(_asg.c.rep_id == tr.c.rep_id, _covers(tr.c.date)))
        .where(tr.c.date >= span.start, tr.c.date <= span.end)
        .group_by(_asg.c.supervisor_id, week)
    )
    stmt = _where(stmt, _supervisor_scope(_asg.c.supervisor_id, department_ids))
    return _frame(session, stmt, ["supervisor_id", "week", "hours"])


def _exams(session: Session, span: Window, department_ids: Collection[int] | None) -> pd.DataFrame:
    """Best score and passed flag per rep and exam day, up to span.end, for reps of the teams in scope."""
    ex = Exam.__table__
    reps = select(_asg.c.rep_id).where(
        _asg.c.start_on <= span.end, or_(_asg.c.end_on.is_(None), _asg.c.end_on > span.start)
    )
    reps = _where(reps, _supervisor_scope(_asg.c.supervisor_id, department_ids))
    stmt = (
        select(ex.c.rep_id, ex.c.date, func.max(ex.c.score), func.max(ex.c.passed.cast(Integer)))
        .where(ex.c.date <= span.end, ex.c.rep_id.in_(reps))
        .group_by(ex.c.rep_id, ex.c.date)
    )
    frame = _frame(session, stmt, ["rep_id", "date", "score", "passed"])
    if frame.empty:
        return _empty(["rep_id", "day"], ["score"]).assign(passed=pd.Series(dtype="bool"))
    return pd.DataFrame(
        {
            "rep_id": frame["rep_id"].astype("int64"),
            "day": [day_number(d) for d in frame["date"]],
            "score": frame["score"].astype("float64"),
            "passed": frame["passed"].astype("int64") > 0,
        }
    )


# --- rolling sums over ISO weeks ----------------------------------------------------------


def _window_sums(
    frame: pd.DataFrame, keys: list[str], value: str, first_week: int, eval_weeks: list[int], length: int
) -> pd.DataFrame:
    """For each key and evaluated week e: the sum of `value` over weeks e-length+1 .. e."""
    columns = [*keys, "eval_week", value]
    if frame.empty:
        return _empty([*keys, "eval_week"], [value])
    last_week = eval_weeks[-1]
    sums = frame.astype({value: "float64"}).groupby([*keys, "week"])[value].sum()
    wide = sums.unstack("week", fill_value=0.0)
    wide = wide.reindex(columns=range(first_week, last_week + 1), fill_value=0.0)
    cumulative = np.concatenate(
        [np.zeros((len(wide), 1)), np.cumsum(wide.to_numpy(dtype="float64"), axis=1)], axis=1
    )
    ends = np.array(eval_weeks) - first_week + 1
    sums = cumulative[:, ends] - cumulative[:, ends - length]
    out = pd.DataFrame(sums, index=wide.index, columns=eval_weeks)
    out.columns.name = "eval_week"
    return out.stack().rename(value).reset_index()[columns]


def _weighted_mean(frame: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Σ w·x ÷ Σ w over the components that have a value; NaN when none has."""
    numerator = pd.Series(0.0, index=frame.index)
    denominator = pd.Series(0.0, index=frame.index)
    for column, weight in weights.items():
        present = frame[column].notna()
        numerator = numerator + frame[column].fillna(0.0) * weight
        denominator = denominator + present * weight
    return (numerator / denominator.where(denominator > 0)).astype("float64")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    den = denominator.astype("float64")
    return (numerator.astype("float64") / den.where(den > 0)).astype("float64")


# --- the legs -----------------------------------------------------------------------------


def legs_history(
    session: Session,
    week: str,
    weeks: int = 1,
    *,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """The legs of every supervisor in scope for each of the `weeks` ISO weeks ending with `week`.

    One row per supervisor and evaluated week (columns LEG_COLUMNS, `week` as `2026-W47`),
    supervisors without any data included with missing (NaN) figures. Each row scores the
    legs_window_weeks weeks ending with its own week.
    """
    length = params.legs_window_weeks
    last = week_index(parse_week(week)[0])
    eval_weeks = list(range(last - weeks + 1, last + 1))
    first_data_week = eval_weeks[0] - length + 1
    first_retention_week = eval_weeks[0] - params.retention_window_weeks + 1
    data_span = Window(week_of_index(first_data_week), week_of_index(last) + timedelta(days=6))
    member_span = Window(week_of_index(min(first_data_week, first_retention_week)), data_span.end)

    supervisors = _supervisors(session, department_ids)
    grid = supervisors.merge(pd.DataFrame({"eval_week": eval_weeks}), how="cross")
    if grid.empty:
        return _empty(["supervisor_id", "department_id"], LEG_COLUMNS[2:]).assign(
            week=pd.Series(dtype="str")
        )[LEG_COLUMNS]
    keys = ["supervisor_id", "eval_week"]

    members = _memberships(session, member_span, department_ids)
    team = _team_state(members, eval_weeks, length, params.retention_window_weeks)
    grid = grid.merge(team["per_supervisor"], on=keys, how="left")

    # Targets leg and evenness: bookings per rep and week, targets per supervisor and week.
    booked = weekly_bookings(session, data_span, "supervisor", by_rep=True, department_ids=department_ids)
    booked = booked.rename(columns={"unit_id": "supervisor_id"})
    per_rep = _window_sums(
        booked, ["supervisor_id", "rep_id"], "bookings", first_data_week, eval_weeks, length
    )
    grid = grid.merge(_evenness(per_rep, team["members"]), on=keys, how="left")

    segments = target_segments(session, data_span, "supervisor", department_ids=department_ids)
    targets = weekly_targets(segments, first_data_week, last).rename(columns={"unit_id": "supervisor_id"})
    grid = grid.merge(
        _window_sums(targets, ["supervisor_id"], "target", first_data_week, eval_weeks, length).rename(
            columns={"target": "target_13w"}
        ),
        on=keys,
        how="left",
    )
    attendances = _weekly_attendances(session, data_span, department_ids)
    grid = grid.merge(
        _window_sums(
            attendances, ["supervisor_id"], "attendances", first_data_week, eval_weeks, length
        ).rename(columns={"attendances": "attendances_13w"}),
        on=keys,
        how="left",
    )
    training = _weekly_training(session, data_span, department_ids)
    grid = grid.merge(
        _window_sums(training, ["supervisor_id"], "hours", first_data_week, eval_weeks, length).rename(
            columns={"hours": "training_hours_13w"}
        ),
        on=keys,
        how="left",
    )
    exams = _exams(session, data_span, department_ids)
    grid = grid.merge(_skills_state(team["current"], exams), on=keys, how="left")
    return _score(grid, params)


def legs_for_week(
    session: Session,
    week: str,
    *,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """The legs of every supervisor in scope for one week (see legs_history)."""
    return legs_history(session, week, 1, department_ids=department_ids, params=params)


def _team_state(members: pd.DataFrame, eval_weeks: list[int], length: int, retention_weeks: int) -> dict:
    """Head counts per supervisor and evaluated week, plus the (supervisor, rep, week) pairs needed later."""
    keys = ["supervisor_id", "eval_week"]
    empty_pairs = _empty(["supervisor_id", "rep_id", "eval_week"], [])
    if members.empty:
        return {
            "per_supervisor": _empty(keys, ["rep_days_13w", "rep_days_52w", "team_size", "leavers_52w"]),
            "members": empty_pairs,
            "current": empty_pairs,
        }
    weeks = pd.DataFrame({"eval_week": eval_weeks})
    weeks["week_end"] = [day_number(week_of_index(w)) + 6 for w in eval_weeks]
    cross = members.merge(weeks, how="cross")
    end = cross["week_end"]
    last_day = cross["end"] - 1

    def overlap(first: pd.Series) -> pd.Series:
        return (np.minimum(last_day, end) - np.maximum(cross["start"], first) + 1).clip(lower=0)

    cross["days_13w"] = overlap(end - 7 * length + 1)
    retention_start = end - 7 * retention_weeks + 1
    cross["days_52w"] = overlap(retention_start)
    cross["current"] = (cross["start"] <= end) & (end < cross["end"])
    # A leaver: left the company inside the retention window while in this team.
    cross["leaver"] = (
        cross["left"].notna()
        & (cross["left"] >= retention_start)
        & (cross["left"] <= end)
        & (cross["end"] == cross["left"])
    )
    grouped = cross.groupby(keys)
    per_supervisor = pd.DataFrame(
        {
            "rep_days_13w": grouped["days_13w"].sum(),
            "rep_days_52w": grouped["days_52w"].sum(),
        }
    )
    current = cross.loc[cross["current"], ["supervisor_id", "rep_id", "eval_week"]].drop_duplicates()
    leavers = cross.loc[cross["leaver"], ["supervisor_id", "rep_id", "eval_week"]].drop_duplicates()
    per_supervisor["team_size"] = current.groupby(keys).size()
    per_supervisor["leavers_52w"] = leavers.groupby(keys).size()
    per_supervisor[["team_size", "leavers_52w"]] = per_supervisor[["team_size", "leavers_52w"]].fillna(0)
    in_window = cross.loc[cross["days_13w"] > 0, ["supervisor_id", "rep_id", "eval_week"]].drop_duplicates()
    return {"per_supervisor": per_supervisor.reset_index(), "members": in_window, "current": current}


def _evenness(per_rep: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """bookings_13w, members_13w and contribution evenness per supervisor and evaluated week."""
    keys = ["supervisor_id", "eval_week"]
    contributors = per_rep[per_rep["bookings"] > 0] if not per_rep.empty else per_rep
    people = pd.concat(
        [
            members[["supervisor_id", "rep_id", "eval_week"]],
            contributors[["supervisor_id", "rep_id", "eval_week"]],
        ]
    ).drop_duplicates()
    out = pd.DataFrame({"members_13w": people.groupby(keys).size()})
    if not contributors.empty:
        squares = contributors.assign(square=contributors["bookings"] ** 2).groupby(keys)
        out = out.join(
            pd.DataFrame({"bookings_13w": squares["bookings"].sum(), "sum_sq": squares["square"].sum()})
        )
    else:
        out["bookings_13w"] = np.nan
        out["sum_sq"] = np.nan
    out["bookings_13w"] = out["bookings_13w"].fillna(0.0)
    effective = out["bookings_13w"] ** 2 / out["sum_sq"].where(out["sum_sq"] > 0)
    # No bookings at all from a team that had reps: nobody contributes, evenness 0.
    out["contribution_evenness"] = (effective.fillna(0.0) / out["members_13w"]).where(out["members_13w"] > 0)
    return out.drop(columns="sum_sq").reset_index()


def _skills_state(current: pd.DataFrame, exams: pd.DataFrame) -> pd.DataFrame:
    """Exam coverage and mean latest score of the current reps, per supervisor and evaluated week."""
    keys = ["supervisor_id", "eval_week"]
    if current.empty:
        return _empty(keys, ["exam_coverage", "latest_score_mean"])
    pairs = current.copy()
    pairs["week_end"] = FIRST_MONDAY + 7 * pairs["eval_week"].astype("int64") + 6
    pairs = pairs.astype({"rep_id": "int64", "week_end": "int64"})
    if exams.empty:
        pairs["score"] = np.nan
        pairs["first_pass"] = np.nan
    else:
        exams = exams.sort_values("day").astype({"day": "int64"})
        # The latest attempt on or before the week's end (merge_asof looks backwards).
        pairs = pd.merge_asof(
            pairs.sort_values("week_end"),
            exams[["rep_id", "day", "score"]],
            left_on="week_end",
            right_on="day",
            by="rep_id",
        ).drop(columns="day")
        first_pass = exams[exams["passed"]].groupby("rep_id")["day"].min().rename("first_pass")
        pairs = pairs.merge(first_pass, left_on="rep_id", right_index=True, how="left")
    pairs["passed"] = pairs["first_pass"].notna() & (pairs["first_pass"] <= pairs["week_end"])
    # A rep who has not sat the exam scores 0: leaving the weak reps unexamined must not
    # raise the team's mean.
    pairs["score"] = pairs["score"].fillna(0.0)
    grouped = pairs.groupby(keys)
    out = pd.DataFrame(
        {
            "exam_coverage": grouped["passed"].mean().astype("float64"),
            "latest_score_mean": grouped["score"].mean() / 100.0,
        }
    )
    return out.reset_index()


def _score(grid: pd.DataFrame, params: MetricParams) -> pd.DataFrame:
    length = params.legs_window_weeks
    frame = grid.copy()
    for column in ("rep_days_13w", "rep_days_52w", "team_size", "leavers_52w", "members_13w"):
        if column not in frame:
            frame[column] = 0.0
        frame[column] = frame[column].astype("float64").fillna(0.0)
    for column in ("bookings_13w", "target_13w", "attendances_13w", "training_hours_13w"):
        frame[column] = frame[column].astype("float64").fillna(0.0)
    for column in ("contribution_evenness", "exam_coverage", "latest_score_mean"):
        frame[column] = frame[column].astype("float64")

    frame["attainment_13w"] = _ratio(frame["bookings_13w"], frame["target_13w"])
    frame["score_targets"] = frame["attainment_13w"].clip(upper=1.0) * 100.0

    frame["avg_headcount_13w"] = frame["rep_days_13w"] / (7 * length)
    frame["cadence_rate"] = _ratio(frame["attendances_13w"] * _DAYS_PER_CADENCE_PERIOD, frame["rep_days_13w"])
    frame["cadence"] = (frame["cadence_rate"] / params.cadence_norm).clip(upper=1.0)
    frame["avg_headcount_52w"] = frame["rep_days_52w"] / (7 * params.retention_window_weeks)
    frame["retention"] = (1.0 - _ratio(frame["leavers_52w"], frame["avg_headcount_52w"])).clip(lower=0.0)
    frame["score_team"] = _weighted_mean(frame, params.team_weights) * 100.0

    frame["training_hours_per_rep"] = _ratio(frame["training_hours_13w"], frame["avg_headcount_13w"])
    training_norm = params.training_norm_hours * length / 13.0
    frame["training_ratio"] = (frame["training_hours_per_rep"] / training_norm).clip(upper=1.0)
    frame["score_skills"] = _weighted_mean(frame, params.skills_weights) * 100.0

    labels = {w: format_week(week_of_index(w)) for w in frame["eval_week"].unique()}
    frame["week"] = frame["eval_week"].map(labels)
    frame = frame.astype({"team_size": "int64", "members_13w": "int64", "leavers_52w": "int64"})
    frame = frame.sort_values(["department_id", "supervisor_id", "eval_week"]).reset_index(drop=True)
    return frame[LEG_COLUMNS]
