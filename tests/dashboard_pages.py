"""Opening a dashboard page under AppTest on the demo organisation as some user, and reading what it shows.

Shared by tests/test_page_compare.py, test_page_satisfaction.py and test_page_plans.py. The week
is the demo's own (its manifest), so the planted stories are in the window whatever today is.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from test_app_shell import ENGLISH_ONLY, TIMEOUT, texts

from core.auth import CurrentUser
from core.db import make_engine, read_session
from core.i18n import read_catalogue
from core.importing.load import demo_source_folder
from core.models import Department, Supervisor
from core.settings import PROJECT_ROOT
from ui.signin import USER_KEY

MANIFEST = json.loads((demo_source_folder() / "manifest.json").read_text(encoding="utf-8"))
WEEK = MANIFEST["window"]["week"]


def demo_ids(url: str) -> dict[str, int]:
    """Department and supervisor ids of the demo organisation, by code."""
    with read_session(make_engine(url)) as session:
        rows = session.execute(select(Department.code, Department.id)).all()
        rows += session.execute(select(Supervisor.code, Supervisor.id)).all()
    return {code: ident for code, ident in rows}


def open_page(
    name: str, url: str, *, lang: str = "zh", role: str = "admin", home: str | None = None, **query: str
) -> AppTest:
    """pages/<name>.py run alone as `role` (of department `home`) at the URL's query, checked for errors."""
    ids = demo_ids(url)
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    at.session_state["tripod_lang"] = lang
    at.session_state[USER_KEY] = CurrentUser(
        id=1,
        username=f"test-{role}",
        display_name="",
        role=role,
        department_id=ids.get(home) if home else None,
        department_code=home,
        supervisor_id=None,
        supervisor_code=None,
    )
    at.query_params.update({"week": WEEK, **query})
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table on the page (drawn whole or scrolling), as the text a reader sees."""
    return [element.value for element in list(at.table) + list(at.dataframe)]


def table_with(at: AppTest, header: str) -> pd.DataFrame:
    """The one table that has a column headed `header`."""
    found = [frame for frame in tables(at) if header in frame.columns]
    assert len(found) == 1, f"{len(found)} tables headed {header!r}"
    return found[0].reset_index(drop=True)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def numbers(values: object) -> list[float]:
    """A Plotly data array as numbers, whether plain or packed ({'dtype', 'bdata'})."""
    if isinstance(values, dict):
        return list(np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(float))
    return [float(v) for v in values]


def figure_texts(figure: dict) -> list[str]:
    layout = figure.get("layout", {})
    found = [layout.get("title", {}).get("text", "")]
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            found.append(axis.get("title", {}).get("text", ""))
    found += [note.get("text", "") for note in layout.get("annotations", [])]
    found += [trace.get("name", "") for trace in figure.get("data", [])]
    return [text for text in found if text]


def shown_texts(at: AppTest) -> list[str]:
    """Everything a reader sees: page texts, table headers and cells, chart titles, buttons."""
    found = texts(at) + [str(b.label) for b in at.get("download_button")]
    for frame in tables(at):
        found += [str(cell) for cell in frame.to_numpy().ravel()]
    for figure in figures(at):
        found += figure_texts(figure)
    return found


def _english_patterns() -> list[re.Pattern[str]]:
    # Messages with placeholders, matched with their placeholders as wildcards.
    patterns = []
    for msgid, text in read_catalogue("zh").items():
        if isinstance(msgid, str) and isinstance(text, str) and text != msgid and "{" in msgid:
            parts = re.split(r"\{[^}]*\}", msgid)
            if sum(len(part.strip()) for part in parts) >= 8:
                patterns.append(re.compile(".*".join(re.escape(part) for part in parts)))
    return patterns


def untranslated(at: AppTest) -> list[str]:
    """Texts on the page that are English messages the catalogue translates: shown untranslated."""
    patterns = _english_patterns()
    return [s for s in shown_texts(at) if s.strip() in ENGLISH_ONLY or any(p.search(s) for p in patterns)]
