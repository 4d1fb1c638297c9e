"""The calendar of every metric: ISO weeks, months, quarters, halves, years and to-date windows."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

PERIOD_KINDS = ("week", "month", "quarter", "half", "year")

# Day numbers (days since 1970-01-01) are what the SQL helpers compute on both databases;
# 1970-01-05 is the first Monday after that epoch, so ISO weeks are whole blocks of 7 from it.
EPOCH = date(1970, 1, 1)
FIRST_MONDAY = 4

_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER_RE = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$", re.IGNORECASE)

MESSAGES = {
    "bad_week": {
        "en": "'{value}' is not an ISO week; write it like 2026-W47.",
        "zh": "“{value}”不是 ISO 周，请按 2026-W47 的格式填写。",
    },
    "no_such_week": {
        "en": "{year} has no ISO week {week}: its last week is {year}-W{last:02d}.",
        "zh": "{year} 年没有第 {week} 周：该年最后一周是 {year}-W{last:02d}。",
    },
    "bad_month": {
        "en": "'{value}' is not a month; write it like 2026-11.",
        "zh": "“{value}”不是月份，请按 2026-11 的格式填写。",
    },
    "bad_quarter": {
        "en": "'{value}' is not a quarter; write it like 2026-Q4.",
        "zh": "“{value}”不是季度，请按 2026-Q4 的格式填写。",
    },
    "bad_window": {
        "en": "A window must not end ({end}) before it starts ({start}).",
        "zh": "时间窗口的结束日（{end}）不能早于开始日（{start}）。",
    },
    "bad_kind": {
        "en": "Unknown period '{value}'; use one of: {known}.",
        "zh": "未知的周期“{value}”，可选：{known}。",
    },
}


class PeriodError(ValueError):
    """A period that cannot be read or does not exist; carries its message in both languages."""

    def __init__(self, code: str, **fmt: object) -> None:
        self.code = code
        self.fmt = fmt
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        messages = MESSAGES[self.code]
        return messages.get(lang, messages["en"]).format(**self.fmt)


@dataclass(frozen=True, order=True)
class Window:
    """A run of whole days; both start and end are included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError("bad_window", start=self.start, end=self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def overlap_days(self, other: Window) -> int:
        return max(0, (min(self.end, other.end) - max(self.start, other.start)).days + 1)

    def shift(self, days: int) -> Window:
        return Window(self.start + timedelta(days=days), self.end + timedelta(days=days))


def day_number(day: date) -> int:
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def week_index(day: date) -> int:
    """Whole ISO weeks since the week of 1970-01-05 (the SQL side's `week_number`)."""
    return (day_number(day) - FIRST_MONDAY) // 7


def week_of_index(index: int) -> date:
    """The Monday of week number `index`."""
    return from_day_number(FIRST_MONDAY + 7 * int(index))


# --- ISO weeks ----------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_end(day: date) -> date:
    return week_start(day) + timedelta(days=6)


def format_week(day: date) -> str:
    """The ISO week that contains `day`, e.g. 2026-W47 (the ISO year can differ from day.year)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def weeks_in_year(year: int) -> int:
    # 28 December always falls in the last ISO week of its year.
    return date(year, 12, 28).isocalendar().week


def parse_week(text: str) -> tuple[date, date]:
    """`2026-W47` -> (its Monday, its Sunday). Raises PeriodError for a malformed or absent week."""
    match = _WEEK_RE.match(str(text))
    if not match:
        raise PeriodError("bad_week", value=text)
    year, week = int(match.group(1)), int(match.group(2))
    if year < 1 or week < 1 or week > weeks_in_year(year):
        raise PeriodError("no_such_week", year=year, week=week, last=weeks_in_year(max(year, 1)))
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


def week_window(week: str) -> Window:
    return Window(*parse_week(week))


def normalise_week(week: str) -> str:
    """Any accepted spelling (`2026w7`, ` 2026-W07 `) -> the canonical `2026-W07`."""
    return format_week(parse_week(week)[0])


def shift_week(week: str, weeks: int) -> str:
    return format_week(parse_week(week)[0] + timedelta(weeks=weeks))


def previous_week(week: str) -> str:
    return shift_week(week, -1)


def next_week(week: str) -> str:
    return shift_week(week, 1)


def weeks_ending(week: str, count: int) -> list[str]:
    """The `count` ISO weeks that end with `week`, oldest first."""
    monday = parse_week(week)[0]
    return [format_week(monday - timedelta(weeks=back)) for back in range(count - 1, -1, -1)]


def weeks_window(week: str, count: int) -> Window:
    """The days of the `count` ISO weeks ending with `week` (13 for the legs)."""
    monday, sunday = parse_week(week)
    return Window(monday - timedelta(weeks=count - 1), sunday)


def last_complete_week(today: date) -> str:
    """The latest week whose Sunday is over: the week before today's (today itself is not over)."""
    return format_week(week_start(today) - timedelta(days=1))


# --- months, quarters, halves, years ------------------------------------------------------


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def month_window(day: date) -> Window:
    return Window(day.replace(day=1), day.replace(day=days_in_month(day)))


def months_overlapping(window: Window) -> list[date]:
    """The first day of every calendar month that shares at least one day with `window`."""
    months = []
    current = window.start.replace(day=1)
    while current <= window.end:
        months.append(current)
        current = add_months(current, 1)
    return months


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, its day of month clipped to the target month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def format_month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def parse_month(text: str) -> Window:
    match = _MONTH_RE.match(str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError("bad_month", value=text)
    return month_window(date(int(match.group(1)), int(match.group(2)), 1))


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_window(day: date) -> Window:
    first_month = 3 * (quarter_of(day) - 1) + 1
    start = date(day.year, first_month, 1)
    return Window(start, add_months(start, 3) - timedelta(days=1))


def format_quarter(day: date) -> str:
    """`2026-Q4`, the spelling of the rating tables' quarter column."""
    return f"{day.year}-Q{quarter_of(day)}"


def parse_quarter(text: str) -> Window:
    match = _QUARTER_RE.match(str(text))
    if not match:
        raise PeriodError("bad_quarter", value=text)
    return quarter_window(date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1))


def half_window(day: date) -> Window:
    if day.month <= 6:
        return Window(date(day.year, 1, 1), date(day.year, 6, 30))
    return Window(date(day.year, 7, 1), date(day.year, 12, 31))


def format_half(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def year_window(day: date) -> Window:
    return Window(date(day.year, 1, 1), date(day.year, 12, 31))


def period_window(kind: str, day: date) -> Window:
    """The whole week, month, quarter, half or year that contains `day`."""
    if kind == "week":
        return Window(week_start(day), week_end(day))
    windows = {"month": month_window, "quarter": quarter_window, "half": half_window, "year": year_window}
    if kind not in windows:
        raise PeriodError("bad_kind", value=kind, known=", ".join(PERIOD_KINDS))
    return windows[kind](day)


def previous_period(kind: str, day: date) -> Window:
    """The whole period just before the one containing `day`."""
    return period_window(kind, period_window(kind, day).start - timedelta(days=1))


# --- to date, and the fair comparison with the period before ------------------------------


def to_date_window(kind: str, day: date) -> Window:
    """From the start of the period containing `day` up to and including `day` (MTD, QTD, ...)."""
    return Window(period_window(kind, day).start, day)


def mtd(day: date) -> Window:
    return to_date_window("month", day)


def qtd(day: date) -> Window:
    return to_date_window("quarter", day)


def htd(day: date) -> Window:
    return to_date_window("half", day)


def ytd(day: date) -> Window:
    return to_date_window("year", day)


def same_elapsed_previous(kind: str, day: date) -> Window:
    """The first N days of the previous period, N = days elapsed so far in the current one.

    N is clipped to the previous period's length, so 31 March compares with the whole of
    February rather than spilling into March.
    """
    elapsed = to_date_window(kind, day).days
    before = previous_period(kind, day)
    return Window(before.start, min(before.end, before.start + timedelta(days=elapsed - 1)))


def to_date_comparison(kind: str, day: date) -> tuple[Window, Window]:
    """(period to date, the same elapsed days of the previous period)."""
    return to_date_window(kind, day), same_elapsed_previous(kind, day)
