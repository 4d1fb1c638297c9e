"""Cells that leave for a spreadsheet: formula-like text is neutralised, numbers are left alone."""

from __future__ import annotations

import pandas as pd
import pytest

from core.cells import is_formula_like, neutralise, neutralise_frame


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ('=HYPERLINK("x")', True),
        ("+86 123", True),
        ("-cmd|' /C calc'!A0", True),
        ("@SUM(A1)", True),
        ("\tleading tab", True),
        ("-73.92", False),
        ("+5", False),
        ("1e5", False),
        ("华夏银行", False),
        ("", False),
    ],
)
def test_formula_like_cells(text, formula):
    assert is_formula_like(text) is formula
    assert neutralise(text) == ("'" + text if formula else text)


def test_a_frame_keeps_numbers_and_neutralises_text():
    frame = pd.DataFrame({"customer": ['=HYPERLINK("x")', "华夏银行"], "amount": [-5.0, 3.0]})
    safe = neutralise_frame(frame)
    assert safe["customer"].tolist() == ['\'=HYPERLINK("x")', "华夏银行"]
    assert safe["amount"].tolist() == [-5.0, 3.0]
    assert frame["customer"].iloc[0] == '=HYPERLINK("x")'  # the original is not changed
