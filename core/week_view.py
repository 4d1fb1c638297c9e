"""What the This week page shows for one department's ISO week: tiles, supervisors, alerts and trends.

`department_week` gathers the figures (no language, cacheable) from the same functions as the
weekly KPI set and the report; `tiles`, `supervisor_cards`, `alert_lines` and `trend_charts`
turn them into text and figures in the reader's language. Nothing here computes a KPI anew.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import charts
from core.auth import Scope
from core.balance import LEG_LABELS, diagnosis_text
from core.i18n import (
    N_,
    format_currency,
    format_date,
    format_number,
    format_percent,
    format_points,
    pick,
    t,
    tn,
)
from core.metrics.complaints import poisson_upper_bound, weekly_complaint_series
from core.metrics.contacts import overdue_key_accounts, overdue_key_accounts_text
from core.metrics.satisfaction import GAP_FLAGS, csat_by, csat_weekly, rating_gaps
from core.metrics.status import department_statuses, is_tipped, supervisor_statuses
from core.metrics.targets import attainment_windows
from core.metrics.weekly import weekly_kpi_changes
from core.models import CsatTarget, Department, Supervisor
from core.notes import unexplained
from core.params import DEFAULT_PARAMS, MetricParams
from core.periods import Window, format_quarter, normalise_week, parse_week, qtd, weeks_ending, weeks_window
from core.reports import queries
from core.reports.values import join_names

TREND_WEEKS = 13  # the legs' window: the trends show the quarter the scores stand on
ALERT_KINDS = {
    "complaint_spike": N_("Complaint spike"),
    "plan_below_forecast": N_("Plan below industry forecast"),
    "overdue_key_accounts": N_("Key accounts overdue for contact"),
    "reps_not_passed": N_("Reps not yet passed"),
    "rating_gap": N_("Rating-chain gap"),
}
REASON_LABELS = {
    "diagnosis": N_("the balance has tipped"),
    "attainment_13w": N_("attainment is red"),
    "csat_pct_13w": N_("CSAT is red"),
    "exam_coverage": N_("exam coverage is red"),
}
# st.badge colours of a diagnosis: balanced green, struggling red, any other tipped balance orange
# (worth watching), no diagnosis grey.
DIAGNOSIS_BADGES: dict[str | None, str] = {"balanced": "green", "struggling": "red", None: "gray"}
TREND_COLUMNS = [
    "week",
    "week_start",
    "bookings",
    "target",
    "attainment",
    "complaints",
    "customers",
    "complaint_rate",
    "is_spike",
    "responses",
    "csat_pct",
    "csat_indicator",
]


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# --- the figures ----------------------------------------------------------------------------


def csat_indicators(session: Session, year: int, department_ids: list[int]) -> dict[int, float]:
    """department id -> CSAT indicator for `year` as a fraction (departments with one)."""
    c = CsatTarget.__table__
    stmt = (
        select(c.c.department_id, func.max(c.c.csat_pct))
        .where(c.c.year == year, c.c.department_id.in_(department_ids))
        .group_by(c.c.department_id)
    )
    return {int(i): float(pct) / 100.0 for i, pct in session.execute(stmt).all()}


def _department(session: Session, code: str) -> dict[str, Any]:
    d = Department.__table__
    row = session.execute(select(d.c.id, d.c.code, d.c.name, d.c.segment).where(d.c.code == code)).one()
    return {"id": int(row[0]), "code": row[1], "name": row[2], "segment": row[3]}


def _trends(session: Session, week: str, department_id: int, params: MetricParams) -> pd.DataFrame:
    """Attainment, complaints (with spikes) and CSAT for each of the TREND_WEEKS weeks ending `week`."""
    weeks = weeks_ending(week, TREND_WEEKS)
    mondays = [parse_week(w)[0] for w in weeks]
    ids = [department_id]
    windows = {w: Window(m, m + timedelta(days=6)) for w, m in zip(weeks, mondays, strict=True)}
    attainment = attainment_windows(session, windows, "department", department_ids=ids)
    attainment = attainment.rename(columns={"window": "week"})[["week", "bookings", "target", "attainment"]]
    complaints = weekly_complaint_series(session, mondays[0], mondays[-1], ids, params)
    csat = csat_weekly(session, Window(mondays[0], mondays[-1] + timedelta(days=6)), ids, params)
    out = pd.DataFrame({"week": weeks, "week_start": mondays})
    out = out.merge(attainment, on="week", how="left")
    out = out.merge(
        complaints[["week_start", "complaints", "customers", "complaint_rate", "baseline_mean", "is_spike"]],
        on="week_start",
        how="left",
    )
    out = out.merge(csat[["week_start", "responses", "csat_pct"]], on="week_start", how="left")
    # The indicator is yearly: weeks without a survey still have one to read the line against.
    years = sorted({m.year for m in mondays})
    by_year = {year: csat_indicators(session, year, ids).get(department_id) for year in years}
    out["csat_indicator"] = [by_year[m.year] for m in mondays]
    out["complaints"] = out["complaints"].fillna(0).astype("int64")
    out["responses"] = out["responses"].fillna(0).astype("int64")
    return out


def _supervisor_rows(
    session: Session,
    changes: Mapping[str, Any],
    scope: Scope,
    csat_indicator: float | None,
    week: str,
    params: MetricParams,
) -> list[dict[str, Any]]:
    s = Supervisor.__table__
    rows = changes["current"]["supervisors"]
    ids = dict(session.execute(select(s.c.code, s.c.id).where(s.c.code.in_([r["code"] for r in rows]))).all())
    rows = [r for r in rows if scope.allows_supervisor(ids.get(r["code"]))]
    deltas = {r["code"]: r for r in changes["deltas"]["supervisors"]}
    missing = unexplained(session, {"supervisors": rows}, week, params)
    reasons = dict(zip(missing["supervisor_code"], missing["reasons"], strict=True))
    surveys = _surveys_13w(session, week, [int(ids[r["code"]]) for r in rows], params)
    out = []
    for row in rows:
        change = deltas.get(row["code"], {})
        count = surveys.get(int(ids[row["code"]]), 0)
        statuses = supervisor_statuses(row, csat_indicator=csat_indicator, params=params)
        why = list(reasons.get(row["code"], ()))
        if is_small_sample(count, params):  # too few answers to colour, so not red either
            statuses = {**statuses, "csat_pct_13w": None}
            why = [reason for reason in why if reason != "csat_pct_13w"]
        out.append(
            {
                **row,
                "surveys_13w": count,
                "id": int(ids[row["code"]]),
                "deltas": {key: change.get(key) for key in row if key not in ("code", "name")},
                "statuses": statuses,
                "unexplained": why,
            }
        )
    return out


def _surveys_13w(
    session: Session, week: str, supervisor_ids: list[int], params: MetricParams
) -> dict[int, int]:
    """Supervisor id -> survey answers behind the 13-week CSAT (the window core.metrics.weekly uses)."""
    if not supervisor_ids:
        return {}
    department_ids = session.execute(
        select(Supervisor.__table__.c.department_id).where(Supervisor.__table__.c.id.in_(supervisor_ids))
    ).scalars()
    csat = csat_by(
        session,
        weeks_window(week, params.legs_window_weeks),
        "supervisor",
        sorted(set(department_ids)),
        params,
    )
    return {int(unit): int(n) for unit, n in zip(csat["unit_id"], csat["responses"], strict=True)}


def _alerts(
    session: Session,
    department: Mapping[str, Any],
    row: Mapping[str, Any],
    trends: pd.DataFrame,
    supervisors: list[dict[str, Any]],
    week: str,
    params: MetricParams,
) -> list[dict[str, Any]]:
    """The week's alerts as data: kind, severity, who, and the numbers the sentence needs."""
    sunday = parse_week(week)[1]
    ids = [department["id"]]
    names = {s["id"]: f"{s['name']} ({s['code']})" for s in supervisors}
    alerts: list[dict[str, Any]] = []
    last = trends.iloc[-1]
    if row.get("complaint_spike"):
        alerts.append(
            {
                "kind": "complaint_spike",
                "severity": "high",
                "who": department["name"],
                "count": row["complaints_week"],
                "mean": _num(last["baseline_mean"]),
                "bound": _bound(last, params),
            }
        )
    if row.get("plan_below_forecast"):
        industry = _num(row.get("industry_growth"))
        alerts.append(
            {
                "kind": "plan_below_forecast",
                "severity": "high",
                "who": department["name"],
                "year": (parse_week(week)[0] + timedelta(days=3)).year,
                "plan": _num(row.get("plan_growth")),
                "industry": industry,
                "recommended": None if industry is None else industry + params.plan_margin,
            }
        )
    overdue = overdue_key_accounts(session, sunday, ids, params)
    overdue = overdue[overdue["supervisor_id"].isin(list(names)) | overdue["supervisor_id"].isna()]
    if not overdue.empty:
        alerts.append(
            {
                "kind": "overdue_key_accounts",
                "severity": "medium",
                "who": department["name"],
                "count": len(overdue),
                "never": int(overdue["days_since_contact"].isna().sum()),
                "days": params.contact_cadence_days,
            }
        )
    reps = queries.current_reps(session, sunday, ids)
    for sup_id, group in reps[reps["supervisor_id"].isin(list(names))].groupby("supervisor_id", sort=True):
        waiting = group[~group["passed"]]
        if not waiting.empty:
            alerts.append(
                {
                    "kind": "reps_not_passed",
                    "severity": "medium",
                    "who": names[int(sup_id)],
                    "count": len(waiting),
                    "team": len(group),
                    "names": list(waiting["rep_name"].astype(str)),
                }
            )
    quarter = queries.latest_rated_quarter(session, format_quarter(sunday), ids)
    gaps = rating_gaps(session, quarter, ids, params) if quarter else pd.DataFrame()
    if not gaps.empty:
        gaps = gaps[gaps["supervisor_id"].isin(list(names))]
        rep_names = queries.rep_names(
            session, set(gaps.loc[gaps["subject"] == "rep", "subject_id"].astype(int))
        )
        for gap in gaps.itertuples(index=False):
            rater = names[int(gap.supervisor_id)]
            if gap.subject == "rep":
                code, name = rep_names.get(int(gap.subject_id), (str(gap.subject_id), ""))
                who, rated_by = f"{name} ({code})", rater
            else:
                who, rated_by = rater, None  # None: rated by the company
            alerts.append(
                {
                    "kind": "rating_gap",
                    "severity": "medium",
                    "who": who,
                    "rater": rated_by,
                    "quarter": quarter,
                    "rating": _num(gap.rating),
                    "mean": _num(gap.mean_score),
                    "responses": int(gap.responses),
                    "flag": gap.gap_flag,
                }
            )
    return alerts


def _bound(last: pd.Series, params: MetricParams) -> float | None:
    mean = _num(last["baseline_mean"])
    return None if mean is None else float(poisson_upper_bound(mean, params.spike_p_value))


def department_week(
    session: Session,
    department_code: str,
    week: str,
    *,
    scope: Scope,
    params: MetricParams = DEFAULT_PARAMS,
) -> dict[str, Any]:
    """Everything the This week page shows for one department and ISO week, without language.

    The department must be in the scope (core.metrics.weekly.UnknownDepartmentError otherwise);
    a supervisor-limited scope keeps only its supervisors. Keys: week, previous_week,
    department, current / previous / deltas (the department rows of the weekly KPI set),
    statuses, csat_indicator, supervisors (rows of the set with id, deltas, statuses and the
    reasons a note is expected), alerts, trends (TREND_COLUMNS).
    """
    week = normalise_week(week)
    department_ids = None if scope.department_ids is None else sorted(scope.department_ids)
    changes = weekly_kpi_changes(session, week, department_code, department_ids, params)
    department = _department(session, department_code)
    current = changes["current"]["departments"][0]
    indicator = csat_indicators(session, parse_week(week)[1].year, [department["id"]]).get(department["id"])
    trends = _trends(session, week, department["id"], params)
    supervisors = _supervisor_rows(session, changes, scope, indicator, week, params)
    baseline = _num(trends.iloc[-1]["baseline_mean"])
    return {
        "week": week,
        "previous_week": changes["previous"]["week"],
        "department": department,
        "current": current,
        "previous": changes["previous"]["departments"][0],
        "deltas": changes["deltas"]["departments"][0],
        "csat_indicator": indicator,
        "statuses": department_statuses(
            current, csat_indicator=indicator, complaint_baseline=baseline, params=params
        ),
        "supervisors": supervisors,
        "alerts": _alerts(session, department, current, trends, supervisors, week, params),
        "trends": trends[TREND_COLUMNS],
    }


def has_figures(view: Mapping[str, Any]) -> bool:
    """Whether the week holds anything to show (bookings, targets, surveys, complaints or scores)."""
    row = view["current"]
    return bool(
        row["target_week"]
        or row["bookings_week"]
        or row["surveys_week"]
        or row["complaints_week"]
        or any(s["diagnosis"] for s in view["supervisors"])
    )


# --- in the reader's language -------------------------------------------------------------


def change_points(delta: float | None, lang: str) -> str | None:
    """A week-over-week change of a share in points; None (no arrow) when missing or nothing moved."""
    if delta is None or abs(delta) < 0.0005:
        return None
    return format_points(delta, lang)


def change_number(delta: float | None, lang: str, decimals: int = 0) -> str | None:
    """A change of a count or rate, signed; None when missing or it rounds to nothing."""
    if delta is None or abs(delta) < 0.5 * 10**-decimals:
        return None
    return format_number(delta, lang, decimals=decimals, signed=True)


@dataclass(frozen=True)
class TileText:
    """One KPI tile, formatted: what widgets.kpi_tile draws."""

    key: str
    label: str
    value: str
    delta: str | None
    status: str | None
    higher_is_better: bool
    help: str
    sample: str | None = None  # "small sample: 4 surveys" when the figure rests on too few answers

    def options(self) -> dict[str, Any]:
        """The keyword arguments of ui.widgets.kpi_tile beyond label, value and language."""
        return {
            "delta": self.delta,
            "status": self.status,
            "higher_is_better": self.higher_is_better,
            "help": self.help,
            "marker": self.sample,
        }


def tiles(view: Mapping[str, Any], lang: str, params: MetricParams = DEFAULT_PARAMS) -> list[TileText]:
    """The six tiles of the week: value, change since last week, status and a plain explanation."""
    now, delta, status = view["current"], view["deltas"], view["statuses"]
    sunday = parse_week(view["week"])[1]  # quarter to date runs to the week's Sunday
    rate, count = now["complaint_rate_week"], now["complaints_week"]
    if rate is None:
        complaint_value = t("{count} complaints", lang, count=format_number(count, lang))
        complaint_delta = change_number(delta["complaints_week"], lang)
    else:
        complaint_value = t(
            "{rate} ({count})",
            lang,
            rate=format_number(rate, lang, decimals=1),
            count=format_number(count, lang),
        )
        complaint_delta = change_number(delta["complaint_rate_week"], lang, decimals=1)

    def tile(
        key: str, label: str, value: str, change: str | None, help_text: str, up: bool = True
    ) -> TileText:
        return TileText(key, label, value, change, status.get(key), up, help_text)

    def pct(key: str) -> str:
        return format_percent(now[key], lang)

    return [
        tile(
            "attainment_week",
            t("Target attainment, week", lang),
            pct("attainment_week"),
            change_points(delta["attainment_week"], lang),
            t(
                "Bookings {bookings} against a target of {target}.",
                lang,
                bookings=format_currency(now["bookings_week"], lang),
                target=format_currency(now["target_week"], lang),
            ),
        ),
        tile(
            "attainment_qtd",
            t("Target attainment, quarter to {day}", lang, day=format_date(sunday, lang, style="MMMd")),
            pct("attainment_qtd"),
            change_points(delta["attainment_qtd"], lang),
            t(
                "From the first day of the quarter ({start}) to the end of this week ({day}), the day "
                "Plans & targets also counts to when this week is chosen there.",
                lang,
                start=format_date(qtd(sunday).start, lang, style="MMMd"),
                day=format_date(sunday, lang, style="MMMd"),
            ),
        ),
        csat_tile(view, lang, params),
        tile(
            "complaint_rate_week",
            t("Complaints per 100 customers (count)", lang),
            complaint_value,
            complaint_delta,
            t(
                "{count} complaints from {customers} customers; red for a spike, amber when unusually high.",
                lang,
                count=format_number(count, lang),
                customers=format_number(now["customers"], lang),
            ),
            up=False,
        ),
        tile(
            "exam_coverage",
            t("Reps who passed the hands-on exam", lang),
            pct("exam_coverage"),
            change_points(delta["exam_coverage"], lang),
            t("Current reps of the department's teams who have passed.", lang),
        ),
        tile(
            "key_account_contact_coverage",
            t("Key accounts contacted in time", lang),
            pct("key_account_contact_coverage"),
            change_points(delta["key_account_contact_coverage"], lang),
            t("Within {days} days", lang, days=params.contact_cadence_days),
        ),
    ]


def is_small_sample(surveys: Any, params: MetricParams = DEFAULT_PARAMS) -> bool:
    """Whether a CSAT% rests on fewer answers than params.csat_min_surveys (but on some)."""
    count = _num(surveys)
    return count is not None and 0 < count < params.csat_min_surveys


def small_sample_text(surveys: Any, lang: str) -> str:
    count = int(_num(surveys) or 0)
    return tn("small sample: {n} survey", "small sample: {n} surveys", count, lang)


def small_sample_texts(
    surveys: pd.Series, csat: pd.Series, lang: str, params: MetricParams = DEFAULT_PARAMS
) -> list[str]:
    """Per row, "small sample: 4 surveys" when that CSAT rests on too few answers, else ""."""
    return [
        small_sample_text(n, lang) if _num(value) is not None and is_small_sample(n, params) else ""
        for n, value in zip(surveys, csat, strict=True)
    ]


def with_sample_marks(frame: pd.DataFrame, lang: str, params: MetricParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """CSAT rows (responses, csat_pct) with a `sample` marker text ("" when enough answers); a small
    sample's verdict on the indicator (meets_target, if present) is left blank: it is not judged."""
    if frame.empty:
        return frame.assign(sample=pd.Series(dtype="object"))
    out = frame.assign(sample=small_sample_texts(frame["responses"], frame["csat_pct"], lang, params))
    if "meets_target" in out:
        out["meets_target"] = out["meets_target"].astype("object").where(out["sample"].eq(""), None)
    return out


def csat_with_count(csat: Any, surveys: Any, lang: str, params: MetricParams = DEFAULT_PARAMS) -> str:
    """'86% (42 surveys)', or '75% (small sample: 4 surveys)' from fewer than csat_min_surveys answers."""
    if csat is None or _num(csat) is None:
        return format_percent(csat, lang)
    if surveys is None:
        return format_percent(csat, lang)
    if is_small_sample(surveys, params):
        count = small_sample_text(surveys, lang)
    else:
        count = tn("{n} survey", "{n} surveys", int(_num(surveys) or 0), lang)
    return t("{csat} ({count})", lang, csat=format_percent(csat, lang), count=count)


def csat_tile(view: Mapping[str, Any], lang: str, params: MetricParams = DEFAULT_PARAMS) -> TileText:
    """The week's CSAT tile; from fewer than params.csat_min_surveys answers it is grey and says so.

    A small sample gets no red / amber / green and no change since last week: from four answers
    one customer moves the figure by 25 points, which is not news about the department.
    """
    now, indicator = view["current"], view["csat_indicator"]
    held_to = format_percent(indicator if indicator is not None else params.rag_csat_default_indicator, lang)
    help_text = t(
        "{responses} survey answers; the indicator is {indicator}.",
        lang,
        responses=format_number(now["surveys_week"], lang),
        indicator=held_to,
    )
    small = is_small_sample(now["surveys_week"], params) and now["csat_pct_week"] is not None
    if small:
        help_text += " " + t(
            "Fewer than {minimum} answers: too few to judge, so the figure is not coloured.",
            lang,
            minimum=params.csat_min_surveys,
        )
    return TileText(
        "csat_pct_week",
        t("Customer satisfaction (CSAT), week", lang),
        format_percent(now["csat_pct_week"], lang),
        None if small else change_points(view["deltas"]["csat_pct_week"], lang),
        None if small else view["statuses"].get("csat_pct_week"),
        True,
        help_text,
        small_sample_text(now["surveys_week"], lang) if small else None,
    )


def leg_labels(lang: str) -> dict[str, str]:
    return {leg: pick(label, lang) for leg, label in LEG_LABELS.items()}


def _signed_score(value: Any, lang: str) -> str:
    """A change in points with one decimal; one that rounds to nothing reads ±0, not -0.0."""
    number = _num(value)
    if number is not None and abs(number) < 0.05:
        return "±0"
    return format_number(number, lang, decimals=1, signed=True)


def supervisor_cards(view: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Per supervisor: the legs, the diagnosis with what it leads to and what to do, what changed."""
    legs = leg_labels(lang)
    cards = []
    for row in view["supervisors"]:
        text = diagnosis_text(row["diagnosis"], lang)
        change = row["deltas"]
        moves = join_names(
            [
                f"{legs[leg]} {_signed_score(change.get(f'score_{leg}'), lang)}"
                for leg in ("targets", "team", "skills")
            ],
            lang,
        )
        before = row["diagnosis_last_week"]
        if row["diagnosis"] is None:
            held = ""
        elif before is not None and before != row["diagnosis"]:
            held = t(
                "New this week; last week: {before}.", lang, before=diagnosis_text(before, lang)["label"]
            )
        else:
            held = t("Unchanged for {weeks} weeks.", lang, weeks=format_number(row["diagnosis_weeks"], lang))
        cards.append(
            {
                "id": row["id"],
                "code": row["code"],
                "title": f"{row['name']} ({row['code']})",
                "scores": {leg: _num(row[f"score_{leg}"]) for leg in ("targets", "team", "skills")},
                "diagnosis": text["label"],
                "badge": DIAGNOSIS_BADGES.get(row["diagnosis"], "orange"),
                "tipped": is_tipped(row["diagnosis"]),
                "consequence": text["consequence"],
                "actions": text["actions"],
                "held": held,
                "changes": t("Since last week: {moves}.", lang, moves=moves),
                # Two short lines (a Markdown break) rather than one long one, which wrapped a
                # word or two onto a line of its own in the card's narrow column.
                "figures": t(
                    "13 weeks: attainment {attainment} · CSAT {csat}",
                    lang,
                    attainment=format_percent(row["attainment_13w"], lang),
                    csat=csat_with_count(row["csat_pct_13w"], row.get("surveys_13w"), lang),
                )
                + "  \n"
                + tn(
                    "Exam passed {exam} · {n} complaint this week",
                    "Exam passed {exam} · {n} complaints this week",
                    int(_num(row["complaints_week"]) or 0),
                    lang,
                    exam=format_percent(row["exam_coverage"], lang),
                ),
                "unexplained": ("；" if lang == "zh" else "; ").join(
                    t(REASON_LABELS[r], lang) for r in row["unexplained"]
                ),
            }
        )
    return cards


def supervisor_table(view: Mapping[str, Any], lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The supervisors' figures as one table (the CSV behind the cards) and its translated headers."""
    legs = leg_labels(lang)
    frame = pd.DataFrame(
        [
            {
                "code": r["code"],
                "name": r["name"],
                "score_targets": r["score_targets"],
                "score_team": r["score_team"],
                "score_skills": r["score_skills"],
                "diagnosis": diagnosis_text(r["diagnosis"], lang)["label"],
                "diagnosis_weeks": r["diagnosis_weeks"],
                "attainment_13w": r["attainment_13w"],
                "csat_pct_13w": r["csat_pct_13w"],
                "surveys_13w": r.get("surveys_13w"),
                "exam_coverage": r["exam_coverage"],
                "complaints_week": r["complaints_week"],
                "unexplained": bool(r["unexplained"]),
            }
            for r in view["supervisors"]
        ]
    )
    headers = {
        "code": t("Code", lang),
        "name": t("Supervisor", lang),
        "score_targets": legs["targets"],
        "score_team": legs["team"],
        "score_skills": legs["skills"],
        "diagnosis": t("Diagnosis", lang),
        "diagnosis_weeks": t("Weeks held", lang),
        "attainment_13w": t("Attainment, 13 weeks", lang),
        "csat_pct_13w": t("CSAT, 13 weeks", lang),
        "surveys_13w": t("Survey answers, 13 weeks", lang),
        "exam_coverage": t("Exam passed", lang),
        "complaints_week": t("Complaints", lang),
        "unexplained": t("Unexplained", lang),
    }
    return frame, headers


def alert_lines(view: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    """Each alert as severity, a short title (kind and who) and one plain sentence."""
    out = []
    for alert in view["alerts"]:
        kind = alert["kind"]
        if kind == "complaint_spike":
            detail = t(
                "{count} complaints this week; a usual week has {mean} and more than {bound} "
                "is out of the ordinary.",
                lang,
                count=format_number(alert["count"], lang),
                mean=format_number(alert["mean"], lang, decimals=1),
                bound=format_number(alert["bound"], lang),
            )
        elif kind == "plan_below_forecast":
            detail = t(
                "The {year} plan grows {plan} while the industry expects {industry}; "
                "the recommended growth is {recommended}.",
                lang,
                year=alert["year"],
                plan=format_percent(alert["plan"], lang, decimals=1, signed=True),
                industry=format_percent(alert["industry"], lang, decimals=1, signed=True),
                recommended=format_percent(alert["recommended"], lang, decimals=1, signed=True),
            )
        elif kind == "overdue_key_accounts":
            detail = overdue_key_accounts_text(alert["count"], alert["days"], alert["never"], lang)
        elif kind == "reps_not_passed":
            detail = t(
                "{count} of {team} reps have not passed the hands-on exam: {names}.",
                lang,
                count=alert["count"],
                team=alert["team"],
                names=join_names(alert["names"], lang),
            )
        else:
            detail = t(
                "{rater} gives {rating} of 5; customers give {mean} ({responses} answers): {verdict}.",
                lang,
                rater=alert["rater"] or t("The company", lang),
                rating=format_number(alert["rating"], lang, decimals=1),
                mean=format_number(alert["mean"], lang, decimals=1),
                responses=format_number(alert["responses"], lang),
                verdict=pick(GAP_FLAGS.get(alert["flag"], GAP_FLAGS["within"]), lang),
            )
        out.append(
            {
                "severity": alert["severity"],
                "title": f"{t(ALERT_KINDS[kind], lang)} · {alert['who']}",
                "detail": detail,
            }
        )
    return out


def short_week(week: str, lang: str) -> str:
    """'2026-W07' -> 'W07' / '7', for chart axes titled "Week" (the window is in the chart's title)."""
    return t("W{number:02d}", lang, number=int(week.rsplit("W", 1)[1]))


@dataclass(frozen=True)
class ChartSpec:
    """A figure with the rows behind it and their translated headers, for widgets.chart."""

    key: str
    figure: go.Figure
    data: pd.DataFrame
    headers: dict[str, str]


def trend_charts(view: Mapping[str, Any], lang: str) -> list[ChartSpec]:
    """Attainment, complaints and CSAT over the 13 weeks ending with the chosen week."""
    frame = view["trends"].copy()
    frame["label"] = [short_week(w, lang) for w in frame["week"]]
    no_data = t("No data for these weeks yet.", lang)
    week_title = t("Week", lang)
    specs = [
        (
            "attainment_trend",
            charts.weekly_bars(
                frame,
                x="label",
                y="attainment",
                title=t("Target attainment per week", lang),
                x_title=week_title,
                y_title=t("Attainment", lang),
                value_format="percent",
                reference=1.0,
                reference_label=t("Target", lang),
                empty_text=no_data,
            ),
            {
                "week": week_title,
                "bookings": t("Bookings", lang),
                "target": t("Target", lang),
                "attainment": t("Attainment", lang),
            },
        ),
        (
            "complaint_trend",
            charts.weekly_bars(
                frame,
                x="label",
                y="complaints",
                title=t("Complaints per week (red: a spike)", lang),
                x_title=week_title,
                y_title=t("Complaints", lang),
                value_format="number",
                highlight="is_spike",
                empty_text=no_data,
            ),
            {
                "week": week_title,
                "complaints": t("Complaints", lang),
                "customers": t("Customers", lang),
                "complaint_rate": t("Per 100 customers", lang),
                "is_spike": t("Spike", lang),
            },
        ),
        (
            "csat_trend",
            charts.weekly_line(
                frame,
                x="label",
                y="csat_pct",
                title=t("Satisfaction per week (CSAT)", lang),
                x_title=week_title,
                y_title=t("CSAT", lang),
                reference="csat_indicator",
                reference_label=t("Indicator", lang),
                counts="responses",
                counts_label=t("Survey answers", lang),
                empty_text=no_data,
            ),
            {
                "week": week_title,
                "responses": t("Survey answers", lang),
                "csat_pct": t("CSAT", lang),
                "csat_indicator": t("Indicator", lang),
            },
        ),
    ]
    return [ChartSpec(key, figure, view["trends"][list(headers)], headers) for key, figure, headers in specs]
