"""Tripod's entry point: page config, language, first start, sign-in, the pages this role may open."""

from __future__ import annotations

import streamlit as st

from core.i18n import t
from ui import glue, widgets
from ui.registry import PAGES, available_pages, landing_page
from ui.signin import render_signout

st.set_page_config(page_title="Tripod", page_icon=":material/change_history:", layout="wide")


def main() -> None:
    lang = glue.language_switch()
    glue.ensure_database(lang)
    widgets.demo_notice(lang)  # also on the sign-in page: nobody should mistake demo figures for real ones
    if glue.current_user() is None:
        # Before the form is drawn, so its widgets belong to the same page on every run.
        glue.remember_requested_page()
        glue.hide_navigation([spec.key for spec in PAGES])
    user = glue.sign_in(glue.get_engine(), lang)
    if user is None:
        st.stop()  # the sign-in form is on screen
    render_signout(lang)

    specs = available_pages(user.pages)
    glue.remember_navigation([spec.key for spec in specs])
    requested = glue.requested_page([spec.key for spec in specs])
    landing = next((s for s in specs if s.key == requested), None) or landing_page(specs)
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
