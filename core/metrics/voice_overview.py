"""Satisfaction and complaints over one window, put together for the Satisfaction & complaints page.

Nothing is computed here that core.metrics.satisfaction, .complaints and .contacts do not already
define: this module picks the window (the legs window of weeks ending with the chosen week),
calls them for the departments in scope, and puts department, supervisor and rep codes and
names beside their ids so the page and its downloads read in words.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from core.charts import department_colours
from core.i18n import N_, format_date, format_number, format_percent, pick, t, tn
from core.importing.reasons import UNMATCHED_REASONS, render
from core.metrics.complaints import (
    UNMATCHED_COLUMNS,
    category_pareto,
    repeats_with_summary,
    resolution_stats,
    unmatched_complaints,
    weekly_complaint_series,
)
from core.metrics.contacts import reactive_complaints
from core.metrics.satisfaction import GAP_FLAGS, csat_vs_target, csat_weekly, rating_gaps
from core.metrics.sqlcal import fetch_frame
from core.models import Complaint, CsatTarget, Department, Rep, RepRating, Supervisor, SupervisorRating
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, format_quarter, format_week, parse_week, weeks_window
from core.tables import Column

UNMATCHED_SHOWN = 200  # the newest ones listed; the count says how many wait in all
# Each point of the CSAT trend pools the answers of the weeks ending with it: a department gets
# a handful of answers in some weeks, and a weekly share of 2 answers swings from 0% to 100%.
CSAT_POOLED_WEEKS = 4
POOLED_CSAT_COLUMNS = ["department_id", "week_start", "responses", "satisfied", "csat_pct", "target_pct"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class VoiceOverview:
    """What the page shows for one week and scope. Frames are empty when a part has no data or is
    not for this user (scores are left out for call-center users)."""

    week: str
    window: Window
    rating_quarter: str | None = None
    csat_trend: pd.DataFrame = field(default_factory=_empty)
    csat_summary: pd.DataFrame = field(default_factory=_empty)
    rating_gaps: pd.DataFrame = field(default_factory=_empty)
    complaint_trend: pd.DataFrame = field(default_factory=_empty)
    pareto: pd.DataFrame = field(default_factory=_empty)
    resolution: pd.DataFrame = field(default_factory=_empty)
    repeats: pd.DataFrame = field(default_factory=_empty)
    repeat_total: pd.DataFrame = field(default_factory=_empty)
    reactive: pd.DataFrame = field(default_factory=_empty)
    unmatched: pd.DataFrame = field(default_factory=_empty)
    unmatched_count: int = 0
    # Department code -> name (in scope) and -> colour (from every department, so a filtered
    # view keeps the company view's colours).
    department_names: dict[str, str] = field(default_factory=dict)
    department_colours: dict[str, str] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        """Whether any complaint or survey answer falls in the window (or any complaint waits)."""
        complaints = int(self.complaint_trend["complaints"].sum()) if not self.complaint_trend.empty else 0
        answers = int(self.csat_summary["responses"].sum()) if not self.csat_summary.empty else 0
        return complaints + answers + self.unmatched_count > 0

    def week_labels(self, lang: str) -> dict[date, str]:
        """Each Monday of the window as the charts' x axis reads it: '11月16日' / 'Nov 16'."""
        mondays = [self.window.start + timedelta(weeks=i) for i in range(self.window.days // 7)]
        return {monday: format_date(monday, lang, style="MMMd") for monday in mondays}

    def unmatched_summary(self, lang: str) -> str:
        return tn(
            "{n} complaint names no known customer or department.",
            "{n} complaints name no known customer or department.",
            self.unmatched_count,
            lang,
        )

    def repeats_summary(self, lang: str) -> str:
        """'127 of 274 complaining customers complained again (46%).' over the scope."""
        row = self.repeat_total.iloc[0] if not self.repeat_total.empty else None
        return t(
            "{repeat} of {all} complaining customers complained again ({share}).",
            lang,
            repeat=format_number(0 if row is None else row["repeat_complainants"], lang),
            all=format_number(0 if row is None else row["complainants"], lang),
            share=format_percent(None if row is None else row["repeat_share"], lang),
        )


def voice_window(week: str, params: MetricParams = DEFAULT_PARAMS) -> Window:
    """The legs_window_weeks ISO weeks ending with `week` (13 weeks by default)."""
    return weeks_window(week, params.legs_window_weeks)


def department_names(session: Session, department_ids: Collection[int] | None = None) -> pd.DataFrame:
    """department_id, department_code, department_name of the departments in scope, by code."""
    d = Department.__table__
    stmt = select(d.c.id, d.c.code, d.c.name).order_by(d.c.code)
    if department_ids is not None:
        stmt = stmt.where(d.c.id.in_(list(department_ids)))
    return fetch_frame(session, stmt, ["department_id", "department_code", "department_name"])


def department_colour_map(session: Session) -> dict[str, str]:
    """A colour per department code, from every department (so any scope or filter keeps the colours)."""
    return department_colours(department_names(session)["department_code"])


def pooled_csat(
    weekly: pd.DataFrame, mondays: list[date], targets: pd.DataFrame, pooled_weeks: int = CSAT_POOLED_WEEKS
) -> pd.DataFrame:
    """CSAT per department at each Monday in `mondays`, over the `pooled_weeks` weeks ending with it.

    weekly: csat_weekly rows (department_id, week_start, responses, csat_pct), reaching back
    pooled_weeks − 1 weeks before mondays[0]; targets: department_id, year, target_pct (the
    indicator of the week's calendar year, as csat_weekly takes it). csat_pct is NaN when the
    pooled weeks hold no answer. Columns POOLED_CSAT_COLUMNS.
    """
    if weekly.empty or not mondays:
        return pd.DataFrame(columns=POOLED_CSAT_COLUMNS)
    first = mondays[0] - timedelta(weeks=pooled_weeks - 1)
    weeks = [first + timedelta(weeks=i) for i in range((mondays[-1] - first).days // 7 + 1)]
    answers = weekly.assign(satisfied=(weekly["csat_pct"] * weekly["responses"]).round())
    grid = pd.MultiIndex.from_product(
        [sorted(answers["department_id"].unique()), weeks], names=["department_id", "week_start"]
    )
    per_week = answers.groupby(["department_id", "week_start"])[["responses", "satisfied"]].sum()
    per_week = per_week.reindex(grid, fill_value=0)
    pooled = per_week.groupby(level="department_id").rolling(pooled_weeks, min_periods=1).sum().droplevel(0)
    out = pooled[pooled.index.get_level_values("week_start").isin(mondays)].reset_index()
    out["responses"] = out["responses"].astype("int64")
    out["satisfied"] = out["satisfied"].astype("int64")
    out["csat_pct"] = out["satisfied"] / out["responses"].where(out["responses"] > 0)
    out["year"] = [week.year for week in out["week_start"]]
    out = out.merge(targets, on=["department_id", "year"], how="left")
    out["target_pct"] = out["target_pct"].astype("float64")
    return out[POOLED_CSAT_COLUMNS].sort_values(["department_id", "week_start"], ignore_index=True)


def csat_targets(session: Session, department_ids: Collection[int] | None = None) -> pd.DataFrame:
    """Each department's yearly CSAT indicator as a fraction: department_id, year, target_pct."""
    c = CsatTarget.__table__
    stmt = select(c.c.department_id, c.c.year, c.c.csat_pct)
    if department_ids is not None:
        stmt = stmt.where(c.c.department_id.in_(list(department_ids)))
    out = fetch_frame(session, stmt, ["department_id", "year", "target_pct"])
    out["target_pct"] = out["target_pct"].astype("float64") / 100.0
    return out


def latest_rating_quarter(
    session: Session, until: str, department_ids: Collection[int] | None = None
) -> str | None:
    """The latest quarter, no later than `until` ('2026-Q4'), with any rep or supervisor rating in scope."""
    r, sr, s = RepRating.__table__, SupervisorRating.__table__, Supervisor.__table__
    reps = select(r.c.quarter.label("quarter")).join(s, s.c.id == r.c.supervisor_id)
    sups = select(sr.c.quarter.label("quarter")).join(s, s.c.id == sr.c.supervisor_id)
    if department_ids is not None:
        reps = reps.where(s.c.department_id.in_(list(department_ids)))
        sups = sups.where(s.c.department_id.in_(list(department_ids)))
    both = union_all(reps, sups).subquery()
    # 'YYYY-Qn' sorts as text in time order.
    return session.execute(
        select(func.max(both.c.quarter)).where(both.c.quarter <= until)
    ).scalar_one_or_none()


def count_unmatched(session: Session, department_ids: Collection[int] | None = None) -> int:
    """Complaints waiting for attribution; they belong to no department, so a department scope has none."""
    if department_ids is not None:
        return 0
    k = Complaint.__table__
    stmt = select(func.count()).select_from(k).where(k.c.match_status == "unmatched")
    return int(session.execute(stmt).scalar_one())


def _with_departments(frame: pd.DataFrame, names: pd.DataFrame, key: str = "department_id") -> pd.DataFrame:
    if key not in frame.columns:
        return frame
    out = frame.rename(columns={key: "department_id"}) if key != "department_id" else frame
    # The frame's own order (largest first, by week ...) is kept; the names lead the columns.
    # Empty frames come back with untyped (object) ids; both sides are ids, so say so.
    out = out.astype({"department_id": "int64"})
    merged = out.merge(names.astype({"department_id": "int64"}), on="department_id", how="inner")
    return merged[[*names.columns, *(c for c in out.columns if c != "department_id")]]


def _gap_names(session: Session, gaps: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Codes and names of the rated rep or supervisor, of the supervisor, and of the department."""
    if gaps.empty:
        return gaps
    r, s = Rep.__table__, Supervisor.__table__
    reps = fetch_frame(session, select(r.c.id, r.c.code, r.c.name), ["subject_id", "rep_code", "rep_name"])
    sups = fetch_frame(
        session, select(s.c.id, s.c.code, s.c.name), ["supervisor_id", "supervisor_code", "supervisor_name"]
    )
    out = gaps.merge(sups, on="supervisor_id", how="left").merge(reps, on="subject_id", how="left")
    is_rep = out["subject"] == "rep"
    out["subject_code"] = out["rep_code"].where(is_rep, out["supervisor_code"])
    out["subject_name"] = out["rep_name"].where(is_rep, out["supervisor_name"])
    out["subject_label"] = out["subject_name"].astype(str) + " (" + out["subject_code"].astype(str) + ")"
    out["supervisor_label"] = (
        out["supervisor_name"].astype(str) + " (" + out["supervisor_code"].astype(str) + ")"
    )
    return _with_departments(out.drop(columns=["rep_code", "rep_name"]), names)


def voice_overview(
    session: Session,
    week: str,
    *,
    department_ids: Collection[int] | None = None,
    include_scores: bool = True,
    params: MetricParams = DEFAULT_PARAMS,
) -> VoiceOverview:
    """Every part of the Satisfaction & complaints page for the window of weeks ending with `week`.

    include_scores=False leaves out CSAT and the rating chain (what call-center users may not see).
    The rating chain is that of the latest rated quarter up to the week's quarter.
    """
    monday, sunday = parse_week(week)
    window = voice_window(week, params)
    names = department_names(session, department_ids)
    ids = None if department_ids is None else list(department_ids)

    scores: dict[str, object] = {}
    if include_scores:
        quarter = latest_rating_quarter(session, format_quarter(sunday), ids)
        gaps = rating_gaps(session, quarter, ids, params) if quarter else pd.DataFrame()
        reach = Window(window.start - timedelta(weeks=CSAT_POOLED_WEEKS - 1), window.end)
        mondays = [window.start + timedelta(weeks=i) for i in range(params.legs_window_weeks)]
        pooled = pooled_csat(csat_weekly(session, reach, ids, params), mondays, csat_targets(session, ids))
        scores = {
            "rating_quarter": quarter,
            "csat_trend": _with_departments(pooled, names),
            "csat_summary": _with_departments(csat_vs_target(session, window, ids, params), names),
            "rating_gaps": _gap_names(session, gaps, names),
        }
    trend = weekly_complaint_series(session, window.start, monday, ids, params)
    trend = _with_departments(trend, names)
    if not trend.empty:
        trend["week"] = [format_week(day) for day in trend["week_start"]]
    unmatched = pd.DataFrame(columns=UNMATCHED_COLUMNS)
    if ids is None:
        unmatched = unmatched_complaints(session, None, None, limit=UNMATCHED_SHOWN)
        unmatched["reason"] = [
            unmatched_reason(department, customer)
            for department, customer in zip(
                unmatched["department_ref"], unmatched["customer_ref"], strict=True
            )
        ]
    repeats, repeat_total = repeats_with_summary(session, window, ids, params)
    return VoiceOverview(
        week=format_week(monday),
        window=window,
        complaint_trend=trend,
        pareto=category_pareto(session, window, ids),
        resolution=_with_departments(
            resolution_stats(session, window, "department", ids, params), names, key="unit_id"
        ),
        repeats=_with_departments(repeats, names),
        repeat_total=repeat_total,
        reactive=_with_departments(
            reactive_complaints(session, window, "department", ids, params), names, key="unit_id"
        ),
        unmatched=unmatched,
        unmatched_count=count_unmatched(session, ids),
        department_names=dict(zip(names["department_code"], names["department_name"], strict=True)),
        department_colours=department_colour_map(session),
        **scores,  # type: ignore[arg-type]
    )


# --- how each part reads as a table -------------------------------------------------------


def unmatched_reason(department_ref: str | None, customer_ref: str | None) -> tuple[str, str]:
    """(reason code, the reference it is about), by the importer's rule: a department named but
    unknown, else a customer named but unknown, else neither given."""
    if department_ref:
        return ("unknown_department", department_ref)
    if customer_ref:
        return ("unknown_customer", customer_ref)
    return ("no_customer_or_department", "")


def reason_text(reason: object, lang: str) -> str:
    code, value = reason if isinstance(reason, tuple) else ("no_customer_or_department", "")
    return render(UNMATCHED_REASONS, code, lang, value=value)


def quarter_label(quarter: str | None, lang: str) -> str:
    """'2026-Q3' -> 'Q3 2026' / '2026年第3季度'."""
    if not quarter:
        return "—"
    year, number = quarter.split("-Q")
    return t("Q{quarter} {year}", lang, quarter=int(number), year=int(year))


def gap_verdict(flag: object, lang: str) -> str:
    return pick(GAP_FLAGS[str(flag)], lang)


def subject_kind(subject: object, lang: str) -> str:
    return t("Rep", lang) if subject == "rep" else t("Supervisor", lang)


CSAT_TREND_COLUMNS = (
    Column("department_name", N_("Department")),
    Column("week_start", N_("Week starting"), "date"),
    Column("responses", N_("Survey answers in the 4 weeks"), "number"),
    Column("csat_pct", N_("CSAT"), "percent1"),
    Column("target_pct", N_("Indicator"), "percent"),
)
CSAT_COLUMNS = (
    Column("department_name", N_("Department")),
    Column("responses", N_("Survey answers"), "number"),
    Column("csat_pct", N_("CSAT"), "percent1"),
    Column("target_pct", N_("Indicator"), "percent"),
    Column("gap", N_("Against the indicator"), "points"),
    Column("meets_target", N_("Meets the indicator"), "yes_no"),
)
RATING_GAP_COLUMNS = (
    Column("subject", N_("Rated"), subject_kind),
    Column("subject_label", N_("Who")),
    Column("supervisor_label", N_("Supervisor")),
    Column("department_name", N_("Department")),
    Column("rating", N_("Rating given (1–5)"), "rating"),
    Column("mean_score", N_("Customers' mean score (1–5)"), "rating"),
    Column("responses", N_("Survey answers"), "number"),
    Column("gap", N_("Gap (index points)"), "decimal"),
    Column("gap_flag", N_("Verdict"), gap_verdict),
)
COMPLAINT_TREND_COLUMNS = (
    Column("department_name", N_("Department")),
    Column("week", N_("Week")),
    Column("complaints", N_("Complaints"), "number"),
    Column("customers", N_("Customers"), "number"),
    Column("complaint_rate", N_("Complaints per 100 customers"), "decimal"),
    Column("upper_bound", N_("Spike above"), "number"),
    Column("is_spike", N_("Spike"), "yes_no"),
)
PARETO_COLUMNS = (
    Column("label", N_("Category")),
    Column("complaints", N_("Complaints"), "number"),
    Column("share", N_("Share"), "percent1"),
    Column("cumulative_share", N_("Cumulative share"), "percent1"),
)
RESOLUTION_COLUMNS = (
    Column("department_name", N_("Department")),
    Column("complaints", N_("Complaints"), "number"),
    Column("resolved", N_("Resolved"), "number"),
    Column("median_hours_to_resolve", N_("Median hours to resolve"), "decimal"),
    Column("within_sla", N_("Within the SLA"), "number"),
    Column("missed_sla", N_("Missed the SLA"), "number"),
    Column("sla_share", N_("Share within the SLA"), "percent1"),
)
REPEAT_COLUMNS = (
    Column("customer_code", N_("Customer code")),
    Column("customer_name", N_("Customer")),
    Column("department_name", N_("Department")),
    Column("complaints", N_("Complaints"), "number"),
    Column("repeat_complaints", N_("Repeat complaints"), "number"),
    Column("last_received_at", N_("Last complaint"), "datetime"),
)
REACTIVE_COLUMNS = (
    Column("department_name", N_("Department")),
    Column("complaints", N_("Complaints"), "number"),
    Column("key_account_complaints", N_("From key accounts"), "number"),
    Column("reactive", N_("From key accounts overdue for contact"), "number"),
    Column("reactive_share", N_("Share of all complaints"), "percent1"),
)
UNMATCHED_TABLE_COLUMNS = (
    Column("received_at", N_("Received"), "datetime"),
    Column("source", N_("Source")),
    Column("code", N_("Complaint number")),
    Column("customer_ref", N_("Customer as written")),
    Column("department_ref", N_("Department as written")),
    Column("category", N_("Category")),
    Column("reason", N_("Why it waits"), reason_text),
)
