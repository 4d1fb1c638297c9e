"""The week's alerts: spikes, plans below forecast, rating gaps, overdue accounts, exams, diagnoses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from core.i18n import N_, format_number, format_percent, t
from core.metrics.contacts import overdue_key_accounts_text
from core.params import MetricParams
from core.reports.document import Column, Table
from core.reports.sections import diagnosis_label
from core.reports.values import flag, join_names, missing, name_code, num

SEVERITY_ORDER = ("high", "medium", "info")
SEVERITY_LABELS = {"high": N_("High"), "medium": N_("Medium"), "info": N_("Info")}
ALERT_KINDS = {
    "complaint_spike": N_("Complaint spike"),
    "plan_below_forecast": N_("Plan below industry forecast"),
    "rating_gap": N_("Rating-chain gap"),
    "overdue_key_accounts": N_("Key accounts overdue for contact"),
    "reps_not_passed": N_("Reps not yet passed"),
    "diagnosis_changed": N_("Diagnosis changed"),
}


# --- alerts -------------------------------------------------------------------------------


def _alert(severity: str, kind: str, unit: str, detail: str, lang: str) -> dict[str, Any]:
    return {
        "severity_code": severity,
        "kind_code": kind,
        "severity": t(SEVERITY_LABELS[severity], lang),
        "kind": t(ALERT_KINDS[kind], lang),
        "unit": unit,
        "detail": detail,
    }


def alert_table(
    *,
    lang: str,
    year: int,
    params: MetricParams,
    departments_now: list[dict[str, Any]],
    week_series: pd.DataFrame,
    overdue: pd.DataFrame,
    reps: pd.DataFrame,
    sup_names: Mapping[int, str],
    gap_rows: list[dict[str, Any]],
    supervisor_rows: list[dict[str, Any]],
    id_of: Mapping[str, int],
) -> Table:
    alerts = []
    series = {int(r.department_id): r for r in week_series.itertuples(index=False)}
    for dep in departments_now:
        ident = id_of[dep["code"]]
        if flag(dep["complaint_spike"]):
            base = series.get(ident)
            alerts.append(
                _alert(
                    "high",
                    "complaint_spike",
                    dep["name"],
                    t(
                        "{count} complaints this week; a usual week has {mean} and more than {bound} "
                        "is out of the ordinary.",
                        lang,
                        count=format_number(dep["complaints_week"], lang),
                        mean=format_number(None if base is None else base.baseline_mean, lang, decimals=1),
                        bound=format_number(None if base is None else base.upper_bound, lang),
                    ),
                    lang,
                )
            )
        if flag(dep["plan_below_forecast"]):
            industry = num(dep["industry_growth"])
            alerts.append(
                _alert(
                    "high",
                    "plan_below_forecast",
                    dep["name"],
                    t(
                        "The {year} plan grows {plan} while the industry expects {industry}; "
                        "the recommended growth is {recommended}.",
                        lang,
                        year=year,
                        plan=format_percent(num(dep["plan_growth"]), lang, decimals=1, signed=True),
                        industry=format_percent(industry, lang, decimals=1, signed=True),
                        recommended=format_percent(
                            None if industry is None else industry + params.plan_margin,
                            lang,
                            decimals=1,
                            signed=True,
                        ),
                    ),
                    lang,
                )
            )
    name_of = {ident: code for code, ident in id_of.items()}
    dep_name = {d["code"]: d["name"] for d in departments_now}
    if not overdue.empty:
        for dep_id, group in overdue.groupby("department_id", sort=True):
            never = int(group["days_since_contact"].isna().sum())
            alerts.append(
                _alert(
                    "medium",
                    "overdue_key_accounts",
                    dep_name.get(name_of.get(int(dep_id), ""), ""),
                    overdue_key_accounts_text(len(group), params.contact_cadence_days, never, lang),
                    lang,
                )
            )
    if not reps.empty:
        for sup_id, group in reps.groupby("supervisor_id", sort=True):
            waiting = group[~group["passed"]]
            if waiting.empty:
                continue
            alerts.append(
                _alert(
                    "medium",
                    "reps_not_passed",
                    sup_names.get(int(sup_id), ""),
                    t(
                        "{count} of {team} reps have not passed the hands-on exam: {names}.",
                        lang,
                        count=len(waiting),
                        team=len(group),
                        names=join_names(waiting["rep_name"].astype(str), lang),
                    ),
                    lang,
                )
            )
    for gap in gap_rows:
        alerts.append(
            _alert(
                "medium",
                "rating_gap",
                gap["subject"],
                t(
                    "{rater} gives {rating} of 5; customers give {mean} ({responses} answers): {verdict}.",
                    lang,
                    rater=gap["rater"],
                    rating=format_number(gap["rating"], lang, decimals=1),
                    mean=format_number(gap["mean_score"], lang, decimals=1),
                    responses=format_number(gap["responses"], lang),
                    verdict=gap["verdict"],
                ),
                lang,
            )
        )
    for row in supervisor_rows:
        now, before = row.get("diagnosis"), row.get("diagnosis_last_week")
        if missing(now) or missing(before) or now == before:
            continue
        alerts.append(
            _alert(
                "info",
                "diagnosis_changed",
                name_code(row["name"], row["code"]),
                t(
                    "{before} last week, {now} this week.",
                    lang,
                    before=diagnosis_label(before, lang),
                    now=diagnosis_label(now, lang),
                ),
                lang,
            )
        )
    kinds = list(ALERT_KINDS)
    alerts.sort(key=lambda a: (SEVERITY_ORDER.index(a["severity_code"]), kinds.index(a["kind_code"])))
    return Table(
        key="alerts",
        title=t("Alerts", lang),
        sheet=t("Alerts", lang),
        columns=[
            Column("severity", t("Level", lang), width=8),
            Column("kind", t("Alert", lang), width=24),
            Column("unit", t("Who", lang), width=18),
            Column("detail", t("Detail", lang), width=80, wrap=True),
        ],
        rows=alerts,
        empty_text=t("No alerts this week.", lang),
    )
