"""The balance diagnosis of a supervisor's three legs: what it leads to, what to do, how long it has held."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.i18n import normalise_language, pick
from core.metrics.legs import LEG_COLUMNS, legs_history
from core.params import DEFAULT_PARAMS, MetricParams

LEGS = ("targets", "team", "skills")
DIAGNOSES = (
    "balanced",
    "targets_only",
    "team_only",
    "skills_only",
    "neglects_targets",
    "neglects_team",
    "neglects_skills",
    "struggling",
)
BALANCE_COLUMNS = [*LEG_COLUMNS, "diagnosis", "diagnosis_last_week", "diagnosis_weeks"]

LEG_LABELS = {
    "targets": {"zh": "完成目标", "en": "Targets"},
    "team": {"zh": "团队建设", "en": "Team"},
    "skills": {"zh": "技能提升", "en": "Skills"},
}

NO_DIAGNOSIS = {
    "label": {"zh": "数据不足", "en": "Not enough data"},
    "consequence": {
        "zh": "至少有一条腿缺少数据（没有目标、没有代表或没有任何记录），暂不诊断。",
        "en": "At least one leg has no data (no target, no reps or no records yet): no diagnosis.",
    },
    "actions": [],
}

DIAGNOSIS_TEXT: dict[str, dict] = {
    "balanced": {
        "label": {"zh": "均衡发展", "en": "Balanced"},
        "consequence": {
            "zh": "目标、团队和技能同步推进，业绩有团队和能力托底，能够持续。",
            "en": "Targets, team and skills move together: results rest on the team and its skills and last.",
        },
        "actions": [
            {
                "zh": "保持每周复盘，把最弱的一条腿的标准再提高一点。",
                "en": "Keep the weekly review and raise the bar a little on the weakest leg.",
            },
            {
                "zh": "请这位主管在部门会上分享做法，并带一带其他主管。",
                "en": "Ask this supervisor to show their routine at the department meeting and coach a peer.",
            },
        ],
    },
    "targets_only": {
        "label": {"zh": "只抓业绩", "en": "Targets only"},
        "consequence": {
            "zh": "短期内业绩有突破，但时间一长问题会明显暴露：团队撑不住，代表能力跟不上。",
            "en": "A short-term breakthrough, then clear problems over the longer run: "
            "the team cannot carry it and the reps' skills fall behind.",
        },
        "actions": [
            {
                "zh": "每周固定一次例会或陪同拜访，把大客户的打法讲给全队听。",
                "en": "Hold a weekly team meeting or joint visit and pass on how the big accounts are won.",
            },
            {
                "zh": "安排还没过关的代表参加实战考试，本季度每人至少两天培训。",
                "en": "Put every rep who has not passed through the hands-on exam; "
                "at least two days of training each this quarter.",
            },
            {
                "zh": "把主管亲自跟进的客户逐步交给代表独立负责。",
                "en": "Hand the accounts the supervisor works personally over to reps to own.",
            },
        ],
    },
    "team_only": {
        "label": {"zh": "只顾团队", "en": "Team only"},
        "consequence": {
            "zh": "团队气氛融洽、关系和睦，却拿不出业绩。",
            "en": "A friendly, harmonious team that does not deliver results.",
        },
        "actions": [
            {
                "zh": "把月度目标分解到每位代表，每周跟进完成进度。",
                "en": "Break the monthly target down per rep and follow it every week.",
            },
            {
                "zh": "团队活动围绕具体商机和成交来开，少开务虚会。",
                "en": "Make team activities about concrete opportunities and closing, not general talk.",
            },
            {
                "zh": "对连续未完成目标的代表做一对一辅导，明确改进期限。",
                "en": "Coach one-to-one the reps who keep missing target, with a date to improve by.",
            },
        ],
    },
    "skills_only": {
        "label": {"zh": "只练技能", "en": "Skills only"},
        "consequence": {
            "zh": "个个能力都强，却各自为战、互相看不起，形不成合力。",
            "en": "Capable individuals who fight alone and look down on each other; no team forms.",
        },
        "actions": [
            {
                "zh": "组织联合拜访和案例分享，让高手带新人。",
                "en": "Run joint visits and case sharing so the strongest reps bring on the newer ones.",
            },
            {
                "zh": "设一个团队共同目标，奖励协作而不只是个人业绩。",
                "en": "Set a shared team goal and reward cooperation, not only individual numbers.",
            },
            {
                "zh": "把能力落到成交上：每人写清本季度要拿下的重点商机。",
                "en": "Turn skill into bookings: each rep names the key deals they will close this quarter.",
            },
        ],
    },
    "neglects_targets": {
        "label": {"zh": "忽视业绩", "en": "Neglects targets"},
        "consequence": {
            "zh": "团队和能力都在建设，却没有转化为业绩，全年计划有落空的风险。",
            "en": "Team and skills are being built but not turned into bookings; the year's plan is at risk.",
        },
        "actions": [
            {
                "zh": "每周逐个代表过一遍商机，盯住本季度能成交的单子。",
                "en": "Go through each rep's pipeline weekly and focus on deals that can close this quarter.",
            },
            {
                "zh": "把培训和团队活动直接对准目标客户和在谈项目。",
                "en": "Aim training and team activities directly at target accounts and live deals.",
            },
        ],
    },
    "neglects_team": {
        "label": {"zh": "忽视团队", "en": "Neglects team"},
        "consequence": {
            "zh": "业绩和个人能力都有，但靠的是少数人；一旦有人离开，业绩就会掉下来。",
            "en": "Results and skills are there but rest on a few people; when one leaves, results fall.",
        },
        "actions": [
            {
                "zh": "把重点客户分散到更多代表手里，避免业绩集中在一两个人身上。",
                "en": "Spread key accounts over more reps so the numbers do not hang on one or two people.",
            },
            {
                "zh": "恢复固定的团队活动，每位代表每月至少参加一次。",
                "en": "Restore regular team activities: every rep in at least one a month.",
            },
            {
                "zh": "与有离职风险的代表单独谈话，了解原因并留人。",
                "en": "Talk one-to-one with reps who may leave, find out why and keep them.",
            },
        ],
    },
    "neglects_skills": {
        "label": {"zh": "忽视技能", "en": "Neglects skills"},
        "consequence": {
            "zh": "靠团队拼出了业绩，但代表单兵作战能力不足，离开团队就拿不下大客户。",
            "en": "The team delivers together, but reps cannot yet win a large account on their own.",
        },
        "actions": [
            {
                "zh": "组织实战考试，直到人人过关。",
                "en": "Run the hands-on exam until everyone has passed.",
            },
            {
                "zh": "为每位代表定培训计划，本季度补足培训时长。",
                "en": "Give each rep a training plan and make up the training hours this quarter.",
            },
            {
                "zh": "陪同拜访时让代表主谈、主管旁听，结束后马上点评。",
                "en": "On joint visits let the rep lead while the supervisor listens; give feedback at once.",
            },
        ],
    },
    "struggling": {
        "label": {"zh": "全面吃力", "en": "Struggling"},
        "consequence": {
            "zh": "三条腿都弱，业绩、团队和能力互相拖累，需要部门经理直接介入。",
            "en": "All three legs are weak and pull each other down; the department manager must step in.",
        },
        "actions": [
            {
                "zh": "经理与主管每周一对一，一起定出四周的改进计划。",
                "en": "Meet the supervisor one-to-one every week and agree a four-week recovery plan.",
            },
            {
                "zh": "先稳住一条腿：优先推进最接近成交的商机。",
                "en": "Steady one leg first: push the deals closest to closing.",
            },
            {
                "zh": "考虑调入有经验的代表或安排导师支持。",
                "en": "Consider moving an experienced rep into the team or assigning a mentor.",
            },
        ],
    },
}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def diagnose(
    targets: float | None,
    team: float | None,
    skills: float | None,
    params: MetricParams = DEFAULT_PARAMS,
) -> str | None:
    """The balance code of three leg scores (0–100); None when any leg has no score.

    struggling: every leg below params.struggling_below. balanced: highest − lowest below
    params.balanced_spread. Otherwise, legs sorted high to low: if the top leg stands further
    above the middle than the middle above the bottom, `<top>_only`, else `neglects_<bottom>`.
    Equal scores keep the order targets, team, skills.
    """
    scores = {"targets": targets, "team": team, "skills": skills}
    if any(_missing(value) for value in scores.values()):
        return None
    values = {leg: float(value) for leg, value in scores.items()}  # type: ignore[arg-type]
    if all(value < params.struggling_below for value in values.values()):
        return "struggling"
    if max(values.values()) - min(values.values()) < params.balanced_spread:
        return "balanced"
    top, middle, bottom = sorted(LEGS, key=lambda leg: -values[leg])
    if values[top] - values[middle] >= values[middle] - values[bottom]:
        return f"{top}_only"
    return f"neglects_{bottom}"


def diagnosis_text(code: str | None, lang: str = "en") -> dict:
    """label, consequence and actions (a list) of a diagnosis code in `lang` ("zh" or "en")."""
    entry = DIAGNOSIS_TEXT[code] if code is not None else NO_DIAGNOSIS
    lang = normalise_language(lang)
    return {
        "code": code,
        "label": pick(entry["label"], lang),
        "consequence": pick(entry["consequence"], lang),
        "actions": [pick(action, lang) for action in entry["actions"]],
    }


def run_lengths(codes: Sequence[str | None], cap: int | None = None) -> list[int | None]:
    """For each position, how many consecutive weeks up to it carried the same code (None for None)."""
    runs: list[int | None] = []
    for index, code in enumerate(codes):
        if code is None:
            runs.append(None)
        elif index > 0 and codes[index - 1] == code:
            runs.append((runs[-1] or 0) + 1)
        else:
            runs.append(1)
    if cap is not None:
        runs = [None if run is None else min(run, cap) for run in runs]
    return runs


def diagnose_frame(legs: pd.DataFrame, params: MetricParams = DEFAULT_PARAMS) -> pd.Series:
    """`diagnose` for every row of a legs frame at once (None where a leg is missing)."""
    scores = legs[["score_targets", "score_team", "score_skills"]].to_numpy(dtype="float64")
    if len(scores) == 0:
        return pd.Series([], index=legs.index, dtype="object")
    # A stable sort of the negated scores keeps the order targets, team, skills for ties.
    order = np.argsort(-np.nan_to_num(scores, nan=-1.0), axis=1, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=1)
    top_only = ranked[:, 0] - ranked[:, 1] >= ranked[:, 1] - ranked[:, 2]
    codes = np.where(
        top_only,
        np.array([f"{leg}_only" for leg in LEGS], dtype=object)[order[:, 0]],
        np.array([f"neglects_{leg}" for leg in LEGS], dtype=object)[order[:, 2]],
    )
    codes = np.where(scores.max(axis=1) - scores.min(axis=1) < params.balanced_spread, "balanced", codes)
    codes = np.where((scores < params.struggling_below).all(axis=1), "struggling", codes)
    codes = np.where(np.isnan(scores).any(axis=1), None, codes)
    return pd.Series(codes, index=legs.index, dtype="object")


def balance_history(
    session: Session,
    week: str,
    weeks: int = 1,
    *,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Legs and diagnosis of every supervisor for the `weeks` weeks ending with `week`.

    Adds diagnosis, diagnosis_last_week (the week before's code) and diagnosis_weeks (how
    many consecutive weeks, this one included, the current code has held, looking back at
    most params.diagnosis_history_weeks weeks; None when there is no diagnosis). Scores
    weeks + diagnosis_history_weeks weeks of legs in one pass (see legs_history).
    """
    lookback = params.diagnosis_history_weeks
    legs = legs_history(session, week, weeks + lookback, department_ids=department_ids, params=params)
    if legs.empty:
        return pd.DataFrame(columns=BALANCE_COLUMNS)
    legs = legs.sort_values(["supervisor_id", "week"]).reset_index(drop=True)
    legs["diagnosis"] = diagnose_frame(legs, params)
    last_week: list[str | None] = []
    held: list[int | None] = []
    for _, codes in legs.groupby("supervisor_id", sort=False)["diagnosis"]:
        values = [None if _missing(code) else code for code in codes]
        last_week.extend([None, *values[:-1]])
        held.extend(run_lengths(values, cap=lookback))
    legs["diagnosis_last_week"] = pd.Series(last_week, index=legs.index, dtype="object")
    legs["diagnosis_weeks"] = pd.Series(held, index=legs.index, dtype="object")
    kept = legs.groupby("supervisor_id", sort=False).tail(weeks)
    kept = kept.sort_values(["department_id", "supervisor_id", "week"]).reset_index(drop=True)
    return kept[BALANCE_COLUMNS]


def supervisor_balance(
    session: Session,
    week: str,
    *,
    department_ids: Collection[int] | None = None,
    params: MetricParams = DEFAULT_PARAMS,
) -> pd.DataFrame:
    """Legs, diagnosis and its history for one week, one row per supervisor in scope."""
    return balance_history(session, week, 1, department_ids=department_ids, params=params)
