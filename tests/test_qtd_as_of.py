"""Quarter to date on This week and on Plans & targets: the same figure for one as-of day, named on both.

Hand-computed case (CORP1, one rep R4): targets October 3,100 and November 3,000 (100 a day);
bookings 5,000 on 1 Oct, 1,000 on 20 Nov and 9,999 on 25 Nov. Week 47 of 2026 ends on Sunday
22 Nov, so quarter to date counts 1 Oct–22 Nov: bookings 6,000 against 3,100 + 22 × 100 = 5,300,
113.2%. The 25 Nov booking is after the week and counts on neither page.
"""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest
from test_app_shell import app_engine, org, page  # noqa: F401 (fixtures)

from core.aggregates import rebuild_all
from core.db import write_session
from core.i18n import format_percent
from core.models import Booking, Target

WEEK = "2026-W47"
QTD = 6000.0 / 5300.0


@pytest.fixture
def corp(app_engine, org):  # noqa: F811
    with write_session(app_engine) as session:
        for month, amount in (
            (date(2026, 10, 1), 3100.0),
            (date(2026, 11, 1), 3000.0),
            (date(2026, 12, 1), 3100.0),
        ):
            session.add(Target(rep_id=org["R4"], month_start=month, amount=amount))
        for code, day, amount in (
            ("Q1", date(2026, 10, 1), 5000.0),
            ("Q2", date(2026, 11, 20), 1000.0),
            ("Q3", date(2026, 11, 25), 9999.0),
        ):
            session.add(
                Booking(code=code, rep_id=org["R4"], customer_id=org["C4"], booked_on=day, amount=amount)
            )
        session.flush()
        rebuild_all(session)  # the weekly booking totals the metrics read, kept so by the importer
    return org


def run(at: AppTest, **query: str) -> AppTest:
    at.query_params.update(query)
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    return at


@pytest.mark.parametrize(("lang", "day"), [("en", "Nov 22"), ("zh", "11月22日")])
def test_both_pages_show_the_same_quarter_to_date_for_the_same_day(corp, lang, day):
    week = run(page("pages/this_week.py", lang=lang), department="CORP1", week=WEEK)
    label = {"en": f"Target attainment, quarter to {day}", "zh": f"目标完成率（本季度截至{day}）"}[lang]
    [tile] = [m for m in week.metric if m.label == label]
    assert tile.value == format_percent(QTD, lang) == {"en": "113%", "zh": "113%"}[lang]

    plans = run(page("pages/plans.py", lang=lang), department="CORP1", week=WEEK)
    assert plans.selectbox(key="filter_to").value == "week"  # the chosen week's end, by default
    quarter = {"en": f"Q4 2026 (to {day})", "zh": f"2026年第4季度（截至{day}）"}[lang]
    rows = [list(map(str, r)) for t in list(plans.table) + list(plans.dataframe) for r in t.value.to_numpy()]
    # The department's Q4 row reads 113.2%: the tile's figure, to one decimal.
    assert any(quarter in r and format_percent(QTD, lang, decimals=1) in r for r in rows)
    caption = " ".join(c.value for c in plans.caption)
    assert {"en": "counted up to Nov 22, 2026", "zh": "统计截至2026年11月22日"}[lang] in caption
