"""This week and the Supervisor drill-down in a real browser: key text, charts drawn, the link between."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from scripts.appserver import wait_for_app
from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser

WORDS = {
    "zh-CN": {
        "title": "本周",
        "spike": "投诉异常高峰",
        "open": "查看主管详情",
        "legs": "近 13 周的三条腿得分（0–100）",
        "team": "团队代表（近 13 周）",
        "back": "← 本周：",
    },
    "en-US": {
        "title": "This week",
        "spike": "Complaint spike",
        "open": "Open the supervisor's page",
        "legs": "The three legs over the last 13 weeks (0–100)",
        "team": "The team's reps, last 13 weeks",
        "back": "← This week: ",
    },
}


def signed_in(page: Page, username: str = "director", password: str = "demo-director") -> Page:
    """Sign in with a demo account (listed on the sign-in page in demo mode) when the form is shown."""
    form = page.get_by_test_id("stForm").filter(has=page.locator("input[type=password]"))
    if form.count():
        form.locator("input").first.fill(username)
        form.locator("input[type=password]").fill(password)
        form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible()
        wait_for_app(page)
    return page


def charts_drawn(page: Page, at_least: int) -> None:
    plots = page.locator(".js-plotly-plot")
    expect(plots.nth(at_least - 1)).to_be_visible()
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()  # plotly drew, not just a div


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_this_week_shows_the_department_and_its_charts(open_app, locale):
    words = WORDS[locale]
    page = signed_in(open_app(locale, "?department=D02"))  # This week is the landing page, at /
    expect(page.get_by_role("heading", name=words["title"], exact=True)).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(6)
    expect(page.get_by_text(words["spike"]).first).to_be_visible()  # D02's planted spike
    charts_drawn(page, 6)  # three supervisors' legs and three trends
    expect(page.get_by_text("Traceback")).to_have_count(0)
    save_screenshot(page, f"this-week-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_drill_down_opens_the_supervisor_and_leads_back(open_app, locale):
    words = WORDS[locale]
    page = signed_in(open_app(locale, "?department=D02"))  # This week is the landing page, at /
    # S04's card: the row of columns that names S04 and draws its legs.
    card = (
        page.get_by_test_id("stHorizontalBlock")
        .filter(has_text="(S04)")
        .filter(has=page.locator(".js-plotly-plot"))
    )
    card.get_by_role("link", name=words["open"]).click()
    expect(page).to_have_url(re.compile(r"/supervisor\?.*supervisor=S04"))
    expect(page.get_by_role("heading", name=re.compile(r"\(S04\)$"))).to_be_visible()
    wait_for_app(page)
    expect(page.get_by_text(words["legs"]).first).to_be_visible()
    expect(page.get_by_role("heading", name=words["team"])).to_be_visible()
    charts_drawn(page, 2)
    save_screenshot(page, f"supervisor-{locale}")

    page.get_by_role("link", name=re.compile("^" + re.escape(words["back"]))).click()
    expect(page).to_have_url(re.compile(r"/(this_week)?\?.*department=D02"))  # the landing page is at /
    expect(page.get_by_role("heading", name=words["title"], exact=True)).to_be_visible()
