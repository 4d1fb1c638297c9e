"""Method: every threshold in force and every formula behind the figures, in plain words."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from core.i18n import t
from core.params import DEFAULT_PARAMS, param_label, param_value_text, params_table
from core.settings import PROJECT_ROOT, get_settings
from ui import glue, widgets

DOCS = PROJECT_ROOT / "docs"
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^(#{1,5}) ", re.MULTILINE)


def _formulas(lang: str) -> tuple[str, bool]:
    """The metric definitions in the language if translated, else in English (flag: in English)."""
    translated = DOCS / f"metrics.{lang}.md"
    if translated.exists():
        return translated.read_text(encoding="utf-8"), False
    english = DOCS / "metrics.md"
    text = english.read_text(encoding="utf-8") if english.exists() else ""
    return text, lang != "en"


def render() -> None:
    lang = glue.current_lang()
    st.title(t("Method", lang))
    st.markdown(
        t(
            "Every figure Tripod shows comes from the rules on this page. The thresholds below are the "
            "values in force on this server; the formulas follow them.",
            lang,
        )
    )
    table = params_table(lang, DEFAULT_PARAMS)
    headers = {
        "meaning": t("What it means and why", lang),
        "value": t("Value", lang),
        "name": t("Setting", lang),
    }
    st.header(t("Thresholds in force", lang))
    for group, rows in table.groupby("group", sort=False):
        st.subheader(rows["group_label"].iloc[0] or group)
        shown = pd.DataFrame(
            {
                "name": [param_label(name, lang) for name in rows["name"]],
                "value": [
                    param_value_text(n, v, lang) for n, v in zip(rows["name"], rows["value"], strict=True)
                ],
                "meaning": rows["meaning"],
            }
        )
        # A static table wraps the long explanations, where a data grid would cut them off.
        st.table(shown.rename(columns=headers), hide_index=True, border="horizontal")
    # The download keeps the setting's key in core/params.py beside its label, and the raw value.
    raw = table[["group_label", "name", "value", "meaning"]].assign(
        label=[param_label(name, lang) for name in table["name"]], value=table["value"].map(str)
    )[["group_label", "label", "name", "value", "meaning"]]
    raw_headers = {"group_label": t("Group", lang), "label": t("Setting", lang), **headers}
    raw_headers["name"] = t("Key in core/params.py", lang)
    widgets.download_csv(raw, key="params", file_name="tripod-thresholds", lang=lang, headers=raw_headers)

    settings = get_settings()
    st.subheader(t("Server settings", lang))
    st.markdown(
        t(
            "Time zone of the organisation: **{zone}**. Weeks run Monday to Sunday in this time zone.",
            lang,
            zone=settings.timezone,
        )
    )

    st.header(t("Formulas", lang))
    text, in_english = _formulas(lang)
    if in_english:
        st.caption(t("The formulas are written in English.", lang))
    # The document's own title is this section's heading; its other headings sit one level lower.
    body = _COMMENT.sub("", text).strip()
    if body.startswith("# "):
        body = body.partition("\n")[2]
    body = _HEADING.sub(r"#\1 ", body).strip()
    st.markdown(body if body else t("The formulas are not written down yet.", lang))


glue.run_page(render, page_key="method")
