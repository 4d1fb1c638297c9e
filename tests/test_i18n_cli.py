"""The command line speaks the user's language: --lang, else TRIPOD_LANG or LANG, else English."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.i18n import cli_language
from core.settings import PROJECT_ROOT


def run_cli(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("TRIPOD_LANG", "LANG", "LC_ALL")}
    environment |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "TRIPOD_DEMO": "0", **env}
    return subprocess.run(
        [sys.executable, "-m", "core.cli", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_success_message_in_chinese(tmp_path):
    done = run_cli("init", "--lang", "zh", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("数据库已就绪，结构版本 ")


def test_an_error_message_in_chinese(tmp_path):
    missing = tmp_path / "nowhere.csv"
    done = run_cli("import", "departments", str(missing), "--lang", "zh", tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"错误：文件不存在：{missing}"


def test_a_refused_import_explains_in_chinese_row_by_row(tmp_path):
    bad = tmp_path / "departments.csv"
    bad.write_text("code,name,segment\nD01,银行一部,bank\nD02,二部,farm\n", encoding="utf-8")
    done = run_cli("import", "departments", str(bad), "--dry-run", "--lang", "zh", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr  # a dry run reports and writes nothing
    assert "[试运行]" in done.stdout and "未保存任何数据" in done.stdout
    assert done.stderr.strip() == "第 3 行：segment：segment“farm”不在允许的取值中：bank, non_bank"


def test_english_is_the_default_and_the_environment_may_choose(tmp_path):
    missing = tmp_path / "nowhere.csv"
    english = run_cli("import", "departments", str(missing), tmp_path=tmp_path)
    assert english.stderr.strip() == f"error: no such file: {missing}"
    chinese = run_cli("import", "departments", str(missing), tmp_path=tmp_path, TRIPOD_LANG="zh")
    assert chinese.stderr.strip() == f"错误：文件不存在：{missing}"


@pytest.mark.parametrize(
    ("chosen", "tripod_lang", "lang", "expected"),
    [
        (None, None, None, "en"),
        ("zh", None, None, "zh"),
        ("en", "zh", "zh_CN.UTF-8", "en"),  # --lang wins
        (None, "zh", "en_US.UTF-8", "zh"),
        (None, None, "zh_CN.UTF-8", "zh"),
        (None, None, "C.UTF-8", "en"),
    ],
)
def test_the_language_of_the_command_line(monkeypatch, chosen, tripod_lang, lang, expected):
    for name, value in (("TRIPOD_LANG", tripod_lang), ("LANG", lang)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert cli_language(chosen) == expected
