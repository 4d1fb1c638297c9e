"""The weekly report from the dashboards: prepared on request, for the reader's scope only."""

from __future__ import annotations

import io

import openpyxl
from test_page_this_week import WEEK, app, open_page  # noqa: F401 (app is a fixture)


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_a_manager_prepares_the_excel_report_of_their_department(app):
    at = open_page("en", role="manager", home="D01")
    before = len(at.get("download_button"))
    at.button(key="this_week_prepare_xlsx").click().run()
    assert not at.exception and not at.error
    downloads = at.get("download_button")
    assert len(downloads) == before + 1
    # The report of the manager's department, and of no other.
    cells = " ".join(
        str(c)
        for rows in _sheets(at.session_state[f"report:this_week:xlsx:{WEEK}:D01:en"]).values()
        for row in rows
        for c in row
        if c is not None
    )
    assert "D01" in cells
    assert "D02" not in cells and "D03" not in cells


def test_the_report_follows_the_language(app):
    at = open_page("zh", role="manager", home="D01")
    at.button(key="this_week_prepare_xlsx").click().run()
    data = at.session_state[f"report:this_week:xlsx:{WEEK}:D01:zh"]
    titles = list(_sheets(data))
    assert any("\u4e00" <= ch <= "\u9fff" for title in titles for ch in title)  # Chinese sheet names
