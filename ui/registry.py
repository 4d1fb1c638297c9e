"""The pages of the app: key, file, title, icon and section (plain data; no streamlit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.i18n import N_
from core.settings import PROJECT_ROOT


@dataclass(frozen=True)
class PageSpec:
    key: str  # the key core.auth.pages_for_role speaks of; also the URL path
    path: str  # relative to the project root, where dashboard.py lives
    title: str  # English msgid, translated when navigation is built
    icon: str
    section: str  # English msgid of the navigation section


DASHBOARDS, DATA, REFERENCE, ADMINISTRATION = (
    N_("Dashboards"),
    N_("Data"),
    N_("Reference"),
    N_("Administration"),
)

# In navigation order. A page appears once its file exists and the user's role may open it.
# Note: Streamlit still runs a file of the `pages/` folder on its own (without dashboard.py,
# so without sign-in) when a freshly started server's first request asks for it, until
# st.navigation is first called; ui.glue.run_page sends such a run back through dashboard.py.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("this_week", "pages/this_week.py", N_("This week"), ":material/calendar_view_week:", DASHBOARDS),
    PageSpec("compare", "pages/compare.py", N_("Compare supervisors"), ":material/leaderboard:", DASHBOARDS),
    PageSpec("supervisor", "pages/supervisor.py", N_("Supervisor"), ":material/person_search:", DASHBOARDS),
    PageSpec(
        "satisfaction",
        "pages/satisfaction.py",
        N_("Satisfaction & complaints"),
        ":material/sentiment_satisfied:",
        DASHBOARDS,
    ),
    PageSpec("plans", "pages/plans.py", N_("Plans & targets"), ":material/flag:", DASHBOARDS),
    PageSpec("upload", "pages/upload.py", N_("Upload"), ":material/upload_file:", DATA),
    PageSpec("overview", "pages/overview.py", N_("What is loaded"), ":material/database:", DATA),
    PageSpec("method", "pages/method.py", N_("Method"), ":material/functions:", REFERENCE),
    PageSpec(
        "admin", "pages/admin.py", N_("Users and settings"), ":material/manage_accounts:", ADMINISTRATION
    ),
)
PAGES_BY_KEY = {spec.key: spec for spec in PAGES}

# The first of these that the user may open is the landing page.
LANDING_ORDER = ("this_week", "satisfaction", "supervisor", "overview", "upload", "method")


def available_pages(allowed_keys: Iterable[str], root: Path = PROJECT_ROOT) -> list[PageSpec]:
    """The pages whose file exists and whose key is allowed, in navigation order."""
    allowed = set(allowed_keys)
    return [spec for spec in PAGES if spec.key in allowed and (root / spec.path).exists()]


def landing_page(pages: Iterable[PageSpec]) -> PageSpec | None:
    by_key = {spec.key: spec for spec in pages}
    for key in LANDING_ORDER:
        if key in by_key:
            return by_key[key]
    return next(iter(by_key.values()), None)
