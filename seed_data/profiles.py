"""What the demo organisation is made of: sizes, the planted supervisors and the other planted stories.

Each Profile says how one supervisor runs the team, in the figures the 13-week window should
show; the generator turns them into bookings, targets, activities, training and exams. At
scale 1 supervisor S01 gets PLANTED[0], S02 PLANTED[1] and so on; larger organisations cycle
through the list. docs/formats.md ("Demo organisation") tells each story in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# --- sizes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """How big an organisation to generate."""

    departments: int
    supervisors: int
    reps: int  # employed on --today; leavers come on top
    customers: int
    complaints: int
    span_months: int | None = None  # None: from 1 January two years before today's year


BENCH = Size(
    departments=40, supervisors=1000, reps=10_000, customers=100_000, complaints=3_000_000, span_months=36
)
PRESETS = {"bench": BENCH}


def size_for_scale(scale: float) -> Size:
    """Scale 1 is the documented demo; other scales grow every count roughly in proportion."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    departments = max(4, 4 * round(math.sqrt(scale)))
    supervisors = max(departments, round(12 * scale))
    reps = max(2 * supervisors, round(80 * scale))
    customers = max(3 * reps, round(600 * scale))
    return Size(departments, supervisors, reps, customers, max(100, round(5000 * scale)))


@dataclass(frozen=True)
class Profile:
    """How one supervisor runs the team; the numbers are what the 13-week window should show."""

    diagnosis: str
    attainment: float  # bookings ÷ target in the window
    shares: tuple[float, ...]  # booking shares of the star reps; the rest share what is left evenly
    cadence: float  # attendances per rep per 4 weeks (≥ 1: a weekly team meeting)
    leavers: int  # reps who leave in the trailing 52 weeks (replaced)
    passed: float  # share of current reps who have passed the exam
    pass_score: tuple[int, int]
    fail_score: tuple[int, int]
    no_exam: float  # share of the non-passers who never sat the exam
    training: float  # hours per rep over 13 weeks
    csat: float  # share of survey answers scoring 4 or 5
    rates_high: bool = False  # rates every rep 4.6-5.0 whatever the customers say
    complaints: float = 1.0  # how much the team's customers complain, relative to others
    story: str = ""


EVEN: tuple[float, ...] = ()  # no star: bookings spread evenly over the team

# S01 ... S12 at scale 1 (departments D01-D04 get three each, in this order).
PLANTED: tuple[Profile, ...] = (
    Profile(
        "balanced",
        attainment=0.92,
        shares=EVEN,
        cadence=1.6,
        leavers=1,
        passed=0.86,
        pass_score=(84, 94),
        fail_score=(48, 56),
        no_exam=0.0,
        training=22,
        csat=0.92,
        story="all three legs high: targets met, weekly meetings, everyone trained",
    ),
    Profile(
        "neglects_skills",
        attainment=0.92,
        shares=EVEN,
        cadence=1.3,
        leavers=0,
        passed=0.29,
        pass_score=(62, 68),
        fail_score=(40, 55),
        no_exam=0.4,
        training=3,
        csat=0.9,
        story="targets and team strong; few have passed the exam, almost no training",
    ),
    Profile(
        "skills_only",
        attainment=0.55,
        shares=(0.65,),
        cadence=0.2,
        leavers=1,
        passed=1.0,
        pass_score=(85, 96),
        fail_score=(50, 56),
        no_exam=0.0,
        training=26,
        csat=0.91,
        story="everyone passed with high scores and trains a lot; one star books most, few meetings",
    ),
    Profile(
        "targets_only",
        attainment=1.25,
        shares=(0.5, 0.28),
        cadence=0.15,
        leavers=3,
        passed=0.29,
        pass_score=(61, 70),
        fail_score=(40, 55),
        no_exam=0.6,
        training=2.5,
        csat=0.42,
        rates_high=True,
        complaints=1.6,
        story="two stars carry the numbers; three reps left; little training; rates reps 4.6-5",
    ),
    Profile(
        "struggling",
        attainment=0.32,
        shares=(0.55, 0.3),
        cadence=0.1,
        leavers=3,
        passed=0.14,
        pass_score=(60, 64),
        fail_score=(35, 52),
        no_exam=0.5,
        training=2,
        csat=0.72,
        complaints=1.8,
        story="behind on target, three leavers, almost no exams or training",
    ),
    Profile(
        "team_only",
        attainment=0.55,
        shares=EVEN,
        cadence=2.0,
        leavers=0,
        passed=0.29,
        pass_score=(62, 72),
        fail_score=(45, 56),
        no_exam=0.2,
        training=4,
        csat=0.88,
        story="friendly, even team with many activities and no leavers, but 55% of target and weak exams",
    ),
    Profile(
        "balanced",
        attainment=0.88,
        shares=EVEN,
        cadence=0.9,
        leavers=1,
        passed=1.0,
        pass_score=(78, 90),
        fail_score=(50, 56),
        no_exam=0.0,
        training=13,
        csat=0.89,
        story="steady on all three legs",
    ),
    Profile(
        "neglects_targets",
        attainment=0.38,
        shares=EVEN,
        cadence=1.4,
        leavers=0,
        passed=1.0,
        pass_score=(82, 94),
        fail_score=(50, 56),
        no_exam=0.0,
        training=18,
        csat=0.88,
        story="strong, skilled team that books well under its target",
    ),
    Profile(
        "neglects_team",
        attainment=0.95,
        shares=(0.65,),
        cadence=0.2,
        leavers=2,
        passed=1.0,
        pass_score=(80, 92),
        fail_score=(50, 56),
        no_exam=0.0,
        training=17,
        csat=0.87,
        story="target met and everyone skilled, but one star books most, few meetings, two leavers",
    ),
    Profile(
        "balanced",
        attainment=0.77,
        shares=EVEN,
        cadence=0.55,
        leavers=1,
        passed=0.83,
        pass_score=(74, 84),
        fail_score=(50, 56),
        no_exam=0.0,
        training=11,
        csat=0.9,
        story="balanced at a middling level",
    ),
    Profile(
        "neglects_skills",
        attainment=0.82,
        shares=EVEN,
        cadence=0.8,
        leavers=0,
        passed=0.5,
        pass_score=(65, 75),
        fail_score=(45, 56),
        no_exam=0.3,
        training=5,
        csat=0.91,
        story="good numbers and team; half the reps not yet through the exam",
    ),
    Profile(
        "targets_only",
        attainment=1.15,
        shares=(0.45,),
        cadence=0.4,
        leavers=1,
        passed=0.5,
        pass_score=(70, 80),
        fail_score=(48, 56),
        no_exam=0.3,
        training=7,
        csat=0.88,
        story="over target thanks to one lead rep; team and skills middling",
    ),
)

# Customer classes as planted (the metrics engine classifies from the bookings).
CLASS_SHARES = {
    "dormant": 0.10,
    "fast_old": 0.09,
    "fast_young": 0.10,
    "loyal": 0.27,
    "declining": 0.12,
    "mild": 0.14,
    "new": 0.18,
}
CLASS_OF = {
    "dormant": "dormant",
    "fast_old": "fast_growing",
    "fast_young": "fast_growing",
    "loyal": "loyal",
    "declining": "worth_nurturing",
    "mild": "worth_nurturing",
    "new": "worth_nurturing",
}
CSAT_TARGET_BASE = (85, 85, 80, 82)  # per department, by index mod 4
INDUSTRY_GROWTH = {"bank": (12.0, 15.0, 18.0, 16.0), "non_bank": (9.0, 11.0, 14.0, 15.0)}  # Y-2 .. Y+1
SPIKES = ((1, 0, "账单争议"), (2, 5, "交付延迟"))  # (department index, weeks before the last week, category)
