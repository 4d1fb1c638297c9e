"""A page that does nothing: AppTest's own cost of a run, the floor under every page's figure."""

import streamlit as st

st.title("Tripod")
