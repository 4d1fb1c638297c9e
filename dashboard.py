"""Tripod's entry point: page config, language, first start, sign-in, the pages this role may open."""

from __future__ import annotations

import streamlit as st

from core.i18n import t
from ui import glue, widgets
from ui.registry import available_pages, landing_page
from ui.signin import render_signout

st.set_page_config(page_title="Tripod", page_icon=":material/change_history:", layout="wide")


def main() -> None:
    lang = glue.language_switch()
    glue.ensure_database(lang)
    user = glue.sign_in(glue.get_engine(), lang)
    if user is None:
        st.stop()  # the sign-in form is on screen
    render_signout(lang)
    widgets.demo_notice(lang)

    specs = available_pages(user.pages)
    glue.remember_navigation([spec.key for spec in specs])
    landing = landing_page(specs)
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        page = st.Page(
            spec.path, title=t(spec.title, lang), icon=spec.icon, url_path=spec.key, default=spec is landing
        )
        sections.setdefault(t(spec.section, lang), []).append(page)
    if not sections:
        st.info(t("No page is open to your role yet. Ask an administrator.", lang))
        st.stop()
    st.navigation(sections).run()


glue.run_page(main)
