"""The metrics engine: targets, the three legs, balance, satisfaction, complaints, contacts, classes.

Shared vocabulary of its modules: the levels a figure can be computed at, and the unit id used
for the whole company (one row, no table behind it).
"""

from __future__ import annotations

LEVELS = ("rep", "supervisor", "department", "company")
COMPANY_UNIT_ID = 0
