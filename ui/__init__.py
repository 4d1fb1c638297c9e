"""Streamlit-facing helpers between the views and core; only ui/, views/ and dashboard.py import streamlit."""
