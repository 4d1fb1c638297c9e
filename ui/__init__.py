"""Streamlit-facing helpers between the pages and core; only ui/, pages/ and dashboard.py import streamlit."""
