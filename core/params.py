"""Every threshold, norm and weight of the metrics engine, with the reason for each value.

One frozen dataclass, `MetricParams`; `DEFAULT_PARAMS` is what the product runs with and what
the Method page lists (`params_table`). A field is declared with `_param(default, group, en,
zh)`: the texts say what the value means and why it is what it is, in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from core.i18n import N_, format_number, format_percent, t

GROUPS = {
    "targets": {"en": "Targets and plans", "zh": "目标与计划"},
    "legs": {"en": "The three legs", "zh": "三条腿"},
    "team": {"en": "Team leg", "zh": "团队"},
    "skills": {"en": "Skills leg", "zh": "技能"},
    "balance": {"en": "Balance diagnosis", "zh": "平衡诊断"},
    "satisfaction": {"en": "Customer satisfaction", "zh": "客户满意度"},
    "complaints": {"en": "Complaints", "zh": "投诉"},
    "contacts": {"en": "Key-account contact", "zh": "重点客户联系"},
    "classes": {"en": "Customer classes", "zh": "客户分类"},
    "status": {"en": "Red / amber / green", "zh": "红 / 黄 / 绿状态"},
}

PARAMS_TABLE_COLUMNS = ("name", "group", "group_label", "value", "meaning")

# What each setting is called on the Method page, and the unit its value is shown in (UNITS).
PARAM_LABELS: dict[str, dict[str, str]] = {
    "plan_margin": {"en": "Plan margin over industry growth", "zh": "推荐计划高于行业增长的幅度"},
    "legs_window_weeks": {"en": "Scoring window of the legs", "zh": "三条腿的评分窗口"},
    "team_weight_evenness": {"en": "Team weight: contribution evenness", "zh": "团队权重：贡献均衡度"},
    "team_weight_cadence": {"en": "Team weight: activity cadence", "zh": "团队权重：团队活动频率"},
    "team_weight_retention": {"en": "Team weight: retention", "zh": "团队权重：人员保留率"},
    "cadence_norm": {"en": "Full activity cadence", "zh": "团队活动频率达标线"},
    "retention_window_weeks": {"en": "Retention window", "zh": "人员保留率的统计窗口"},
    "skills_weight_coverage": {"en": "Skills weight: exam coverage", "zh": "技能权重：实战考试通过率"},
    "skills_weight_score": {"en": "Skills weight: latest exam score", "zh": "技能权重：最近考试平均分"},
    "skills_weight_training": {"en": "Skills weight: training hours", "zh": "技能权重：培训时长"},
    "training_norm_hours": {"en": "Full training", "zh": "培训时长达标线"},
    "struggling_below": {"en": "Struggling below", "zh": "全面吃力的分数线"},
    "balanced_spread": {"en": "Balanced within", "zh": "均衡的最大分差"},
    "diagnosis_history_weeks": {"en": "Diagnosis history looked back", "zh": "诊断持续周数的回溯上限"},
    "csat_satisfied_min_score": {"en": "Lowest satisfied score", "zh": "计为满意的最低得分"},
    "rating_gap_threshold": {"en": "Rating gap flagged from", "zh": "评价差距的标出线"},
    "rating_min_responses": {"en": "Surveys needed to compare a rating", "zh": "比较评分所需的最少问卷数"},
    "csat_min_surveys": {"en": "Answers needed to colour CSAT", "zh": "满意度显示红黄绿所需的最少答卷数"},
    "complaint_rate_min_customers": {
        "en": "Customers needed for a complaint rate",
        "zh": "显示投诉率所需的最少客户数",
    },
    "complaint_sla_hours": {"en": "Time limit to resolve a complaint", "zh": "投诉处理时限"},
    "repeat_window_days": {"en": "Repeat complaint window", "zh": "重复投诉的间隔"},
    "spike_p_value": {"en": "Spike probability", "zh": "异常高峰的概率阈值"},
    "spike_baseline_weeks": {"en": "Spike baseline", "zh": "异常高峰的基线周数"},
    "spike_min_baseline_weeks": {
        "en": "Baseline weeks needed for a spike verdict",
        "zh": "判断高峰所需的最少基线周数",
    },
    "spike_min_complaints": {"en": "Fewest complaints in a spike", "zh": "构成高峰的最少投诉数"},
    "contact_cadence_days": {"en": "Key-account contact cadence", "zh": "重点客户的联系周期"},
    "class_horizon_months": {"en": "Growth compared over", "zh": "比较增长的月数"},
    "class_fast_growth": {"en": "Fast-growing from", "zh": "快速增长型的增长线"},
    "class_loyal_band": {"en": "Growth band of loyal customers (±)", "zh": "忠诚型的增长幅度（±）"},
    "class_loyal_min_years": {"en": "Years as a customer to be loyal", "zh": "忠诚型的最短合作年数"},
    "class_dormant_months": {"en": "Dormant after", "zh": "睡眠型的无成交月数"},
    "rag_attainment_green": {"en": "Attainment: green from", "zh": "完成率：绿色线"},
    "rag_attainment_amber": {"en": "Attainment: amber from", "zh": "完成率：黄色线"},
    "rag_csat_default_indicator": {"en": "CSAT indicator when none is set", "zh": "未设指标时的满意度标准"},
    "rag_csat_amber_margin": {"en": "CSAT: amber margin below the indicator", "zh": "满意度：黄色容差"},
    "rag_complaint_amber_p_value": {"en": "Complaints: amber probability", "zh": "投诉：黄色的概率阈值"},
    "rag_exam_green": {"en": "Exam coverage: green from", "zh": "考试通过率：绿色线"},
    "rag_exam_amber": {"en": "Exam coverage: amber from", "zh": "考试通过率：黄色线"},
    "rag_contact_green": {"en": "Key-account contact: green from", "zh": "重点客户联系：绿色线"},
    "rag_contact_amber": {"en": "Key-account contact: amber from", "zh": "重点客户联系：黄色线"},
}

# The unit of each setting's value, a key of core.i18n-formatted UNIT_FORMATS (pages/method.py).
PARAM_UNITS: dict[str, str] = {
    "plan_margin": "points_pct",
    "legs_window_weeks": "weeks",
    "team_weight_evenness": "weight",
    "team_weight_cadence": "weight",
    "team_weight_retention": "weight",
    "cadence_norm": "attendances",
    "retention_window_weeks": "weeks",
    "skills_weight_coverage": "weight",
    "skills_weight_score": "weight",
    "skills_weight_training": "weight",
    "training_norm_hours": "training_hours",
    "struggling_below": "score",
    "balanced_spread": "score",
    "diagnosis_history_weeks": "weeks",
    "csat_satisfied_min_score": "survey_score",
    "rating_gap_threshold": "index_points",
    "rating_min_responses": "surveys",
    "csat_min_surveys": "surveys",
    "complaint_rate_min_customers": "customers",
    "complaint_sla_hours": "hours",
    "repeat_window_days": "days",
    "spike_p_value": "probability",
    "spike_baseline_weeks": "weeks",
    "spike_min_baseline_weeks": "weeks",
    "spike_min_complaints": "complaints",
    "contact_cadence_days": "days",
    "class_horizon_months": "months",
    "class_fast_growth": "percent",
    "class_loyal_band": "percent",
    "class_loyal_min_years": "years",
    "class_dormant_months": "months",
    "rag_attainment_green": "percent",
    "rag_attainment_amber": "percent",
    "rag_csat_default_indicator": "percent",
    "rag_csat_amber_margin": "points_pct",
    "rag_complaint_amber_p_value": "probability",
    "rag_exam_green": "percent",
    "rag_exam_amber": "percent",
    "rag_contact_green": "percent",
    "rag_contact_amber": "percent",
}


def _param(default: Any, group: str, en: str, zh: str) -> Any:
    return field(default=default, metadata={"group": group, "en": en, "zh": zh})


@dataclass(frozen=True)
class MetricParams:
    """The values in force. Change one with `replace(DEFAULT_PARAMS, name=value)`."""

    # --- targets and plans (owner: legs) -----------------------------------------------------
    plan_margin: float = _param(
        0.07,
        "targets",
        "Points added to the industry's forecast growth for the recommended plan: +18% gives +25%, "
        "the usual baseline for keeping market share.",
        "推荐计划在行业预测增长之上再加的百分点：行业 +18% 时推荐 +25%，这是保住市场份额的常用基线。",
    )

    # --- the three legs (owner: legs) ----------------------------------------------------------
    legs_window_weeks: int = _param(
        13,
        "legs",
        "ISO weeks scored for each leg, ending with the chosen week: a quarter, long enough that one "
        "big deal or one quiet week does not swing a score.",
        "每条腿的评分窗口（截至所选周的 ISO 周数）：一个季度，足以让一笔大单或一周淡季不至于左右得分。",
    )
    team_weight_evenness: float = _param(
        0.4,
        "team",
        "Weight of contribution evenness in the team score: relying on the team shows first in who "
        "brings in the bookings.",
        "贡献均衡度在团队得分中的权重：是否依靠团队，首先看业绩由谁带来。",
    )
    team_weight_cadence: float = _param(
        0.3,
        "team",
        "Weight of the team-activity cadence in the team score.",
        "团队活动频率在团队得分中的权重。",
    )
    team_weight_retention: float = _param(
        0.3,
        "team",
        "Weight of retention in the team score.",
        "人员保留率在团队得分中的权重。",
    )
    cadence_norm: float = _param(
        1.0,
        "team",
        "Attendances per rep per 4 weeks that count as a full cadence: each rep in at least one team "
        "activity (meeting, coaching, joint visit ...) a month. An attendance is one rep present at "
        "one activity of their own supervisor.",
        "团队活动频率达标线：每位代表每 4 周参加 1 次团队活动（例会、辅导、陪同拜访等）。"
        "一次参加 = 一位代表出席其主管组织的一次活动。",
    )
    retention_window_weeks: int = _param(
        52,
        "team",
        "Weeks over which leavers are counted for retention: a full year, so seasonal departures "
        "(after bonuses) are always inside.",
        "计算人员保留率时统计离职人数的周数：整一年，使年终奖后等季节性离职总在窗口内。",
    )
    skills_weight_coverage: float = _param(
        0.4,
        "skills",
        "Weight of exam coverage in the skills score: the domain asks that everyone passes.",
        "实战考试通过率在技能得分中的权重：要求人人过关。",
    )
    skills_weight_score: float = _param(
        0.3,
        "skills",
        "Weight of the mean latest exam score in the skills score.",
        "最近一次考试平均分在技能得分中的权重。",
    )
    skills_weight_training: float = _param(
        0.3,
        "skills",
        "Weight of training hours in the skills score.",
        "培训时长在技能得分中的权重。",
    )
    training_norm_hours: float = _param(
        16.0,
        "skills",
        "Training hours per rep per 13 weeks that count as full: about two days a quarter. Scaled "
        "pro rata when the legs window is not 13 weeks.",
        "培训时长达标线：每位代表每 13 周 16 小时，约每季度两天；评分窗口不是 13 周时按比例折算。",
    )

    # --- balance diagnosis (owner: legs) -------------------------------------------------------
    struggling_below: float = _param(
        50.0,
        "balance",
        "A supervisor whose three legs are all below this score is struggling, whatever the balance.",
        "三条腿得分都低于此值时诊断为“全面吃力”，不论是否均衡。",
    )
    balanced_spread: float = _param(
        20.0,
        "balance",
        "Legs within this many points of each other (highest minus lowest) are balanced.",
        "三条腿最高分与最低分之差小于此值即为均衡。",
    )
    diagnosis_history_weeks: int = _param(
        26,
        "balance",
        "How far back the 'held for N weeks' count looks; a longer run is shown as this many.",
        "“已持续 N 周”最多回溯的周数；更长的持续期按此值显示。",
    )

    # --- customers' voice (owner: voice): satisfaction, complaints, contacts, classes ---------
    csat_satisfied_min_score: int = _param(
        4,
        "satisfaction",
        "Survey scores (1-5) at or above this count as satisfied in CSAT%: the top two boxes, "
        "'satisfied' and 'very satisfied'.",
        "问卷得分（1-5 分）不低于此值即计为满意：即“满意”和“非常满意”两档。",
    )
    rating_gap_threshold: float = _param(
        25.0,
        "satisfaction",
        "Points on the 0-100 satisfaction index between a rating and the customers' mean score that "
        "flag a gap in the rating chain: 25 points is one whole step of the 1-5 scale.",
        "评价链中，评分与客户平均分在 0-100 满意度指数上相差达到此点数即标出差距："
        "25 点相当于 1-5 分制的一整档。",
    )
    rating_min_responses: int = _param(
        5,
        "satisfaction",
        "Customer surveys needed in the quarter before a rating is compared with them: fewer answers "
        "say more about one customer than about the rep.",
        "季度内至少有这么多份客户问卷才与评分比较：问卷太少时反映的是个别客户，而不是代表本人。",
    )
    csat_min_surveys: int = _param(
        10,
        "satisfaction",
        "Survey answers a CSAT% needs before it is coloured red, amber or green; from fewer it is shown "
        "grey, marked 'small sample', with its count: from 4 answers one customer moves CSAT by 25 points.",
        "CSAT% 至少要有这么多份问卷答复才显示红 / 黄 / 绿；答复更少时显示为灰色，标注“样本小”并注明份数："
        "只有 4 份答复时，一位客户就能让 CSAT 变动 25 个百分点。",
    )
    complaint_rate_min_customers: int = _param(
        20,
        "complaints",
        "Customers a unit needs before its complaint rate is shown (the count is always shown): "
        "below this one complaint moves the rate by more than 5 per 100 customers.",
        "单位客户数达到此值才显示投诉率（投诉数始终显示）："
        "客户更少时，一起投诉就会让投诉率变动每 100 名客户 5 起以上。",
    )
    complaint_sla_hours: float = _param(
        48.0,
        "complaints",
        "Hours from receipt within which a complaint should be resolved; an open complaint older "
        "than this counts as missed.",
        "投诉从受理起应在此小时数内解决；超过此时限仍未解决的投诉计为超时。",
    )
    repeat_window_days: int = _param(
        30,
        "complaints",
        "A complaint within this many days of the same customer's previous one is a repeat: the "
        "first answer did not settle the matter.",
        "同一客户在上次投诉后此天数内再次投诉即为重复投诉：说明第一次的处理没有解决问题。",
    )
    spike_p_value: float = _param(
        0.01,
        "complaints",
        "A week's count is a spike when a count at least this high would happen by chance less "
        "often than this under the Poisson baseline: at most about one false alarm per department "
        "in two years.",
        "按泊松基线，一周投诉数达到这么高的偶然概率低于此值即为异常高峰：每个部门大约两年最多一次误报。",
    )
    spike_baseline_weeks: int = _param(
        12,
        "complaints",
        "Weeks before the one judged whose mean weekly count is the spike baseline: a quarter, "
        "long enough to smooth one bad week.",
        "异常高峰的基线：被判断那一周之前这么多周的平均周投诉数；一个季度，足以平滑个别坏周。",
    )
    spike_min_baseline_weeks: int = _param(
        4,
        "complaints",
        "Baseline weeks with data needed before any spike verdict: a younger complaint log has no "
        "reliable baseline.",
        "给出高峰判断至少需要的有数据的基线周数：投诉记录太短时基线不可靠。",
    )
    spike_min_complaints: int = _param(
        3,
        "complaints",
        "Complaints a week needs to be a spike at all, so that one or two complaints after a quiet "
        "quarter do not raise an alert.",
        "一周至少有这么多投诉才可能算高峰，避免安静一个季度后的一两起投诉就触发警报。",
    )
    contact_cadence_days: int = _param(
        30,
        "contacts",
        "A key account should hear from its team at least once in every run of this many days; "
        "longer silence makes it overdue.",
        "重点客户在任意连续这么多天内应至少被联系一次；超过即为逾期未联系。",
    )
    class_horizon_months: int = _param(
        12,
        "classes",
        "Months of bookings compared for growth: the trailing months against the same number before.",
        "比较增长所用的月数：最近这么多个月与之前同样长的月份相比。",
    )
    class_fast_growth: float = _param(
        0.30,
        "classes",
        "Growth (trailing horizon against the one before) at or above which a customer is fast-growing.",
        "增长率（最近一个周期对比前一周期）不低于此值的客户为快速增长型。",
    )
    class_loyal_band: float = _param(
        0.10,
        "classes",
        "Growth within plus or minus this band, for a long-standing customer, marks it loyal: "
        "steady business that barely grows.",
        "老客户的增长率在正负此幅度以内即为忠诚型：业务稳定，但几乎不增长。",
    )
    class_loyal_min_years: int = _param(
        2,
        "classes",
        "Years as a customer needed to be loyal.",
        "成为忠诚型客户所需的最短合作年数。",
    )
    class_dormant_months: int = _param(
        6,
        "classes",
        "Months without a booking after which a past customer is dormant; a booking in these "
        "months makes a customer active.",
        "超过此月数没有成交的老客户为睡眠型；此期间内有成交的客户为活跃客户。",
    )

    # --- red / amber / green of the dashboards' tiles (owner: dashboards) ---------------------
    rag_attainment_green: float = _param(
        1.0,
        "status",
        "Attainment (bookings ÷ target) at or above which a tile is green: the target is met.",
        "目标完成率（业绩 ÷ 目标）不低于此值时显示绿色：目标已完成。",
    )
    rag_attainment_amber: float = _param(
        0.9,
        "status",
        "Attainment at or above which a tile is amber rather than red: within 10% of the target, "
        "close enough for a strong last weeks to make up.",
        "目标完成率不低于此值时显示黄色而非红色：与目标相差不到 10%，后几周加把劲还能补回。",
    )
    rag_csat_default_indicator: float = _param(
        0.85,
        "status",
        "CSAT% a department is held to when it has no indicator for the year: the level most "
        "departments' indicators are set at.",
        "部门当年没有设定满意度指标时采用的 CSAT% 标准：多数部门指标所在的水平。",
    )
    rag_csat_amber_margin: float = _param(
        0.05,
        "status",
        "CSAT% below the indicator by less than this (a fraction: 0.05 = 5 points) is amber; "
        "further below is red. Five points is about one unhappy answer in twenty.",
        "CSAT% 低于指标但差距小于此值（小数：0.05 即 5 个百分点）显示黄色，差距更大显示红色；"
        "5 个百分点约等于每 20 份问卷多一份不满意。",
    )
    rag_complaint_amber_p_value: float = _param(
        0.10,
        "status",
        "A week's complaint count is amber when a count this high would happen by chance less often "
        "than this under the Poisson baseline (about one ordinary week in ten): unusual, not yet a "
        "spike. A spike is red.",
        "按泊松基线，一周投诉数达到这么高的偶然概率低于此值即显示黄色（约十周一次）：偏高，但还不是"
        "异常高峰。异常高峰显示红色。",
    )
    rag_exam_green: float = _param(
        0.9,
        "status",
        "Share of current reps who have passed the hands-on exam at or above which a tile is "
        "green: everyone should pass, and 90% leaves room for a newcomer still preparing.",
        "实战考试通过率不低于此值显示绿色：要求人人过关，90% 为还在准备考试的新人留出余地。",
    )
    rag_exam_amber: float = _param(
        0.7,
        "status",
        "Exam pass share at or above which a tile is amber rather than red.",
        "实战考试通过率不低于此值时显示黄色而非红色。",
    )
    rag_contact_green: float = _param(
        0.9,
        "status",
        "Share of key accounts contacted within the cadence at or above which a tile is green.",
        "按期联系的重点客户占比不低于此值显示绿色。",
    )
    rag_contact_amber: float = _param(
        0.75,
        "status",
        "Share of key accounts contacted in time at or above which a tile is amber rather than red: "
        "beyond one in four overdue, problems are no longer found before the customer complains.",
        "按期联系的重点客户占比不低于此值时显示黄色而非红色：超过四分之一逾期，就难以在客户投诉之前发现问题。",
    )

    def __post_init__(self) -> None:
        for group, names in _WEIGHT_GROUPS.items():
            total = sum(getattr(self, name) for name in names)
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"the {group} weights must add up to 1, not {total}")
        for name in ("legs_window_weeks", "retention_window_weeks", "diagnosis_history_weeks"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.cadence_norm <= 0 or self.training_norm_hours <= 0:
            raise ValueError("norms must be positive")

    @property
    def team_weights(self) -> dict[str, float]:
        return {
            "contribution_evenness": self.team_weight_evenness,
            "cadence": self.team_weight_cadence,
            "retention": self.team_weight_retention,
        }

    @property
    def skills_weights(self) -> dict[str, float]:
        return {
            "exam_coverage": self.skills_weight_coverage,
            "latest_score_mean": self.skills_weight_score,
            "training_ratio": self.skills_weight_training,
        }

    def with_overrides(self, **values: Any) -> MetricParams:
        return replace(self, **values)


# Weights that form one weighted mean must add up to 1 (checked when params are built).
_WEIGHT_GROUPS = {
    "team": ("team_weight_evenness", "team_weight_cadence", "team_weight_retention"),
    "skills": ("skills_weight_coverage", "skills_weight_score", "skills_weight_training"),
}

DEFAULT_PARAMS = MetricParams()


def params_table(lang: str = "en", params: MetricParams = DEFAULT_PARAMS) -> pd.DataFrame:
    """Every parameter in force: name, group, group_label, value, meaning (for the Method page)."""
    lang = lang if lang in ("en", "zh") else "en"
    rows = []
    for item in fields(params):
        group = item.metadata.get("group", "")
        rows.append(
            {
                "name": item.name,
                "group": group,
                "group_label": GROUPS.get(group, {}).get(lang, group),
                "value": getattr(params, item.name),
                "meaning": item.metadata.get(lang, ""),
            }
        )
    return pd.DataFrame(rows, columns=list(PARAMS_TABLE_COLUMNS))


# How a value of each unit reads (messages of core.i18n, translated in locales/zh/.../method.po).
UNIT_FORMATS: dict[str, str] = {
    "weeks": N_("{value} weeks"),
    "days": N_("{value} days"),
    "hours": N_("{value} hours"),
    "months": N_("{value} months"),
    "years": N_("{value} years"),
    "score": N_("{value} points of 100"),
    "index_points": N_("{value} index points"),
    "survey_score": N_("{value} of 5"),
    "surveys": N_("{value} surveys"),
    "customers": N_("{value} customers"),
    "complaints": N_("{value} complaints"),
    "attendances": N_("{value} per rep per 4 weeks"),
    "training_hours": N_("{value} hours per rep per 13 weeks"),
}


def param_label(name: str, lang: str) -> str:
    """What the setting `name` is called on the Method page, in `lang` ('en' or 'zh')."""
    return PARAM_LABELS[name]["zh" if lang == "zh" else "en"]


def param_value_text(name: str, value: Any, lang: str) -> str:
    """A setting's value with its unit: '13 weeks' / '13 周', '90%', '7 pp' / '7个百分点', '0.4'."""
    unit = PARAM_UNITS[name]
    decimals = len(f"{value:g}".partition(".")[2]) if isinstance(value, float) else 0
    if unit == "percent":
        return format_percent(value, lang, decimals=max(0, decimals - 2))
    if unit == "points_pct":
        return t("{number} pp", lang, number=format_number(value * 100, lang, decimals=max(0, decimals - 2)))
    number = format_number(value, lang, decimals=decimals)
    if unit in ("weight", "probability"):
        return number
    return t(UNIT_FORMATS[unit], lang, value=number)
