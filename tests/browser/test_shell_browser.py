"""The app shell in a real browser: navigation, both languages, the language switch, the demo notice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from scripts.appserver import sign_in, wait_for_app
from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("locale", "title", "method_link", "demo_notice"),
    [
        ("zh-CN", "已载入的数据", "计算方法", "演示数据"),
        ("en-US", "What is loaded", "Method", "Demo data"),
    ],
)
def test_overview_follows_the_browser_language(open_app, locale, title, method_link, demo_notice):
    page = open_app(locale, "overview")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name=method_link)).to_be_visible()
    expect(sidebar.get_by_text(demo_notice)).to_be_visible()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    save_screenshot(page, f"overview-{locale}")


def test_navigation_opens_the_method_page(open_app):
    page = open_app("en-US")
    page.get_by_test_id("stSidebar").get_by_role("link", name="Method").click()
    expect(page).to_have_url(re.compile(r"/method$"))
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Thresholds in force")).to_be_visible()
    # Each threshold is named in words (the raw setting key stays in the CSV download only).
    expect(page.get_by_role("cell", name="Scoring window of the legs", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="13 weeks", exact=True)).to_be_visible()
    save_screenshot(page, "method-en-US")


def test_a_link_between_pages_keeps_the_filters_of_the_url(open_app):
    page = open_app("en-US", "overview?week=2026-W40")
    page.get_by_role("link", name="How every figure is computed").click()
    expect(page).to_have_url(re.compile(r"/method\?week=2026-W40$"))
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Method", exact=True)).to_be_visible()


def test_language_switch_changes_the_page_and_is_remembered(open_app):
    page = open_app("zh-CN", "method")
    expect(page.get_by_role("heading", name="计算方法", exact=True)).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_role("radio", name="English").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Method", exact=True)).to_be_visible()
    # Another page in the same session keeps the choice.
    page.get_by_test_id("stSidebar").get_by_role("link", name="What is loaded").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="What is loaded")).to_be_visible()
    save_screenshot(page, "switched-to-english")


def test_the_server_never_shows_a_traceback(open_app, app_server):
    page = open_app("en-US", "no-such-page")
    # An unknown path lands on the default page rather than an error.
    expect(page.get_by_test_id("stApp")).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    assert "Traceback" not in app_server.log()


@pytest.mark.parametrize("path", ["method", ""])
def test_the_first_request_to_a_fresh_server_goes_through_the_entry_script(browser, fresh_server, path):
    # Streamlit would run pages/method.py by itself (no sign-in, no role navigation) for the
    # first request of a new server; the glue sends it through dashboard.py instead.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{fresh_server.url}/{path}")
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_role("radio", name="English")).to_be_visible()  # drawn by dashboard.py
        expect(page.get_by_role("heading", name="登录 Tripod")).to_be_visible()  # nothing before sign-in
        wait_for_app(page)
        expect(sidebar.get_by_role("link", name="dashboard")).to_have_count(0)  # no pages/ auto-navigation
        expect(sidebar.get_by_role("link", name="method", exact=True)).to_have_count(0)
        expect(page.get_by_role("heading", name="计算方法", exact=True)).to_have_count(0)
        sign_in(page, "admin", "demo-admin")
        expect(sidebar.get_by_role("link", name="计算方法")).to_be_visible()
        if path:  # the link that was opened is shown once signed in
            expect(page.get_by_role("heading", name="计算方法", exact=True)).to_be_visible()
        save_screenshot(page, f"fresh-server-{path or 'root'}")
    finally:
        context.close()
