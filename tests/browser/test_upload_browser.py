"""The upload page in a real browser: pick a file, see the checked counts, import, see the outcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from scripts.appserver import wait_for_app
from tests.browser.conftest import save_screenshot

pytestmark = pytest.mark.browser


def export(prefix: str) -> bytes:
    """A GBK call-center export: two good rows, one with an impossible date and a formula-like text."""
    rows = [
        "工单号,受理时间,客户名称,投诉类别,投诉内容",
        f"{prefix}1,2026/11/2 9:32,某未知公司,账单争议,多收费",
        f"{prefix}2,2026/11/3 10:00,另一家公司,服务态度,态度差",
        f'{prefix}3,2026/2/30 11:00,某未知公司,产品质量,"=HYPERLINK(""x"")"',
    ]
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


@pytest.mark.parametrize(
    ("locale", "checked", "import_label", "saved", "download"),
    [
        (
            "zh-CN",
            "检查完成：可以导入。",
            "导入 2 行有效数据",
            r"上传 #\d+ 已保存：已写入 2 行（新增 0、更新 0、未匹配 2）。",
            "下载被拒绝的行（CSV）",
        ),
        (
            "en-US",
            "Checked: ready to import.",
            "Import the 2 valid rows",
            r"Upload #\d+ saved: 2 rows written \(0 new matched, 0 updated, 2 unmatched\)\.",
            "Download the rejected rows (CSV)",
        ),
    ],
)
def test_a_file_is_checked_imported_and_its_rejected_rows_offered(
    open_app, tmp_path, locale, checked, import_label, saved, download
):
    path = tmp_path / f"呼叫中心导出-{locale}.csv"
    path.write_bytes(export(f"BR{locale[:2].upper()}"))
    page = open_app(locale, "upload")
    page.get_by_test_id("stFileUploader").locator('input[type="file"]').set_input_files(str(path))
    expect(page.get_by_text(checked)).to_be_visible(timeout=60_000)
    wait_for_app(page)
    metrics = page.get_by_test_id("stMetric")
    expect(metrics).to_have_count(6)
    expect(metrics.nth(0)).to_contain_text("3")
    expect(page.get_by_role("button", name=download)).to_be_visible()
    save_screenshot(page, f"upload-checked-{locale}")

    page.get_by_role("button", name=import_label).click()
    expect(page.get_by_text(re.compile(saved))).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric").nth(4)).to_contain_text("2")  # both valid rows kept, unmatched
    expect(page.get_by_text(path.name).first).to_be_visible()  # in the history
    save_screenshot(page, f"upload-done-{locale}")
