"""The one Streamlit glue module: engine, sessions, cached loaders, language, scope, filters, safe pages.

Pages call these instead of reaching for streamlit's caches or session state themselves, so
the rules live in one place: the engine is cached per database URL (never a session); query
results are cached with a ttl and keyed by the database URL and hashable arguments; every
write clears the caches; the language and the signed-in user come from st.session_state; the
department / week / supervisor filters are mirrored in the URL and limited to the user's scope.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import pickle
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from core import periods
from core.auth import NOTHING, CurrentUser, Scope, can_open
from core.db import DatabaseBusyError, init_db, is_initialised, make_engine, read_session, write_session
from core.i18n import LANGUAGE_NAMES, LANGUAGES, format_week, language_from_locale, t
from core.inventory import kind_label, list_departments, list_supervisors
from core.models import Department
from core.settings import get_settings
from ui.signin import USER_KEY

log = logging.getLogger("tripod.ui")


def _configure_logging() -> None:
    # Streamlit configures only its own loggers; Tripod's go to stderr with a timestamp, unless
    # the host process (a test runner, a WSGI wrapper) already configured logging.
    tripod = logging.getLogger("tripod")
    tripod.setLevel(logging.INFO)
    if not tripod.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        tripod.addHandler(handler)


_configure_logging()

T = TypeVar("T")

LANG_KEY = "tripod_lang"
READY_KEY = "tripod_database_ready"
NAV_KEY = "tripod_navigation"
LANG_WIDGET_KEY = "tripod_lang_switch"
# Writes through this module clear the caches at once; the ttl bounds how stale a result can be
# after a write elsewhere (the CLI, a cron job, another app server).
DEFAULT_TTL_SECONDS = 600
ALL = "*"  # the "all departments / all supervisors" choice, also in the URL (?department=*)
WEEKS_OFFERED = 156  # three years of weeks in the week picker


# --- database -----------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per database URL for the whole server process."""
    return make_engine(url)


def database_url() -> str:
    return get_settings().database_url


def get_engine() -> Engine:
    return engine_for(database_url())


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only session on the app's database (for code that is not a cached loader)."""
    with read_session(get_engine()) as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    """One all-or-nothing write transaction; on commit every cached query result is dropped."""
    with write_session(get_engine()) as session:
        yield session
    clear_caches()


def cached_loader(
    ttl: float = DEFAULT_TTL_SECONDS, max_entries: int | None = 512, *, session: bool = True
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Turn `fn(session, *args)` into a cached `loader(*args)`.

    The arguments must be hashable values (ids, codes, ISO weeks, a core.auth.Scope): they and
    the database URL form the cache key, so two databases never share results. The result is
    copied out of the cache, so callers may change it. `loader.clear()` drops its entries.
    With `session=False` the function takes no session: it builds on other loaders' results
    (figures drawn from cached rows), and is still keyed by the database URL.
    """

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        # Streamlit keys a cache by the cached function's name and source; this wrapper's source is
        # the same for every loader, so the loader's own name and compiled code (its names,
        # constants and lines too) travel in the key as well.
        code_hash = hashlib.sha1(marshal.dumps(fn.__code__)).hexdigest()[:16]
        identity = f"{fn.__module__}.{fn.__qualname__}:{code_hash}"

        def run(database: str, loader: str, *args: Any, **kwargs: Any) -> T:
            if not session:
                return fn(*args, **kwargs)
            with read_session(engine_for(database)) as opened:
                return fn(opened, *args, **kwargs)

        run.__module__, run.__qualname__ = fn.__module__, f"{fn.__qualname__}.cached"
        cached = st.cache_data(ttl=ttl, max_entries=max_entries, show_spinner=False)(run)

        @functools.wraps(fn)
        def load(*args: Any, **kwargs: Any) -> T:
            return cached(database_url(), identity, *args, **kwargs)

        load.clear = cached.clear  # type: ignore[attr-defined]
        return load

    return decorate


MEMO_ENTRIES = 512  # drawn things (formatted tables, CSV bytes, figures) kept per server process
_MEMO: OrderedDict[tuple[str, bytes], Any] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _feed(digest: Any, value: Any) -> None:
    """Feed `value`'s content (not its identity) into a hashlib digest."""
    if isinstance(value, pd.DataFrame):
        shape = (value.shape, [str(c) for c in value.columns], [str(d) for d in value.dtypes])
        digest.update(b"F" + repr(shape).encode())
        if len(value):
            # Cells of different types that print alike (1 and "1") must not hash alike.
            kinds = [pd.api.types.infer_dtype(c, skipna=False) for _, c in value.items() if c.dtype == object]
            index = pd.api.types.infer_dtype(value.index, skipna=False)
            digest.update(repr((kinds, index)).encode())
            try:
                digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
            except TypeError:  # unhashable cells (lists, dicts)
                digest.update(pickle.dumps((value.index.to_list(), value.to_numpy().tolist()), protocol=5))
    elif isinstance(value, pd.Series):
        _feed(digest, value.to_frame(name=repr(value.name)))
    elif isinstance(value, Mapping):
        digest.update(b"M%d" % len(value))
        for k, v in value.items():
            _feed(digest, k)
            _feed(digest, v)
    elif isinstance(value, list | tuple):
        digest.update(b"L%d" % len(value))
        for item in value:
            _feed(digest, item)
    elif value is None or isinstance(value, str | bytes | int | float | bool | date | datetime):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
    else:
        digest.update(b"P" + pickle.dumps(value, protocol=5))


def fingerprint(*values: Any) -> bytes:
    """A digest of the values' content: frames by their cells, dtypes, columns and index."""
    digest = hashlib.blake2b(digest_size=20)
    _feed(digest, values)
    return digest.digest()


@functools.lru_cache(maxsize=1024)
def _identity(fn: Callable[..., Any]) -> str:
    # Its name and compiled code, as for cached_loader: a changed chart function (a page reloaded
    # during development) never answers with the figures of its former self.
    code = getattr(fn, "__code__", None)
    code_hash = hashlib.sha1(marshal.dumps(code)).hexdigest()[:16] if code is not None else ""
    return f"{fn.__module__}.{fn.__qualname__}:{code_hash}"


def memo(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, computed once per content of its arguments in this server process.

    For what a page draws from cached rows on every rerun: a formatted table, its CSV, a plotly
    figure. Results from st.cache_data arrive as fresh copies on each rerun, so the key is the
    arguments' content (`fingerprint`), never their identity; equal content gives the same
    result, so nothing goes stale and no user sees another's data. The result is shared:
    callers must not change it.
    """
    try:
        key = (_identity(fn), fingerprint(args, kwargs))
    except Exception:  # an argument that cannot be read as content (a lambda): no memo
        return fn(*args, **kwargs)
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    result = fn(*args, **kwargs)
    with _MEMO_LOCK:
        _MEMO[key] = result
        while len(_MEMO) > MEMO_ENTRIES:
            _MEMO.popitem(last=False)
    return result


def clear_caches(*loaders: Callable[..., Any]) -> None:
    """After a write: drop the named loaders' results, or every cached result when none is named."""
    if loaders:
        for loader in loaders:
            loader.clear()  # type: ignore[attr-defined]
    else:
        st.cache_data.clear()


# --- first start --------------------------------------------------------------------------

_SETUP_LOCK = threading.Lock()  # one first start per server process, however many browsers arrive


def _has_departments(engine: Engine) -> bool:
    with read_session(engine) as session:
        return session.execute(select(func.count()).select_from(Department)).scalar_one() > 0


def ensure_database(lang: str) -> None:
    """Create the database when it does not exist; in demo mode load the demo organisation into an empty one.

    Progress is shown while it loads. If the demo cannot be loaded, the reason is shown and the
    app carries on with what there is (pages then show their empty states).
    """
    if st.session_state.get(READY_KEY) == database_url():
        return  # checked earlier in this browser session
    engine = get_engine()
    if is_initialised(engine) and _has_departments(engine):
        st.session_state[READY_KEY] = database_url()
        return
    with _SETUP_LOCK:
        if not is_initialised(engine):
            with st.spinner(t("Creating the database…", lang)):
                init_db(engine)
        if get_settings().demo_mode and not _has_departments(engine):
            _load_demo(engine, lang)
            clear_caches()
    # Whatever came of it, this session does not try again on every rerun (a failed demo load
    # would otherwise repeat with each click); a new session or a restart tries once more.
    st.session_state[READY_KEY] = database_url()


def _load_demo(engine: Engine, lang: str) -> None:
    try:
        from core.importing.load import seed_demo
    except ImportError:
        log.exception("the demo loader is not available")
        st.warning(t("The demo organisation cannot be loaded: its loader is not installed.", lang))
        return
    with st.status(t("Loading the demo organisation…", lang), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(kind: str, step: int, total: int) -> None:
            label = t(kind_label(kind), lang) if _is_kind(kind) else kind
            bar.progress(
                min(step / max(total, 1), 1.0),
                text=t("{what} ({step} of {total})", lang, what=label, step=step, total=total),
            )

        try:
            seed_demo(engine, progress=progress)
        except Exception:
            reference = _log_failure("loading the demo organisation failed")
            status.update(label=t("The demo organisation could not be loaded.", lang), state="error")
            st.error(
                t("Details are in the server log under reference {reference}.", lang, reference=reference)
            )
            return
        status.update(label=t("Demo organisation loaded.", lang), state="complete", expanded=False)


def _is_kind(kind: str) -> bool:
    try:
        kind_label(kind)
    except KeyError:
        return False
    return True


# --- language -----------------------------------------------------------------------------


def current_lang() -> str:
    """The session's language: the user's choice, else the browser's locale (zh* -> zh, else en)."""
    lang = st.session_state.get(LANG_KEY)
    if lang not in LANGUAGES:
        lang = language_from_locale(st.context.locale)
        st.session_state[LANG_KEY] = lang
    return lang


def set_lang(lang: str) -> None:
    st.session_state[LANG_KEY] = lang if lang in LANGUAGES else "en"


def language_switch() -> str:
    """The language switch in the sidebar; returns the language in force for this run."""
    lang = current_lang()

    def remember() -> None:
        set_lang(st.session_state.get(LANG_WIDGET_KEY) or lang)

    st.sidebar.segmented_control(
        "语言 · Language",
        LANGUAGES,
        default=lang,
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANG_WIDGET_KEY,
        on_change=remember,
        required=True,
        label_visibility="collapsed",
    )
    return current_lang()


# --- user and scope -----------------------------------------------------------------------


def current_user() -> CurrentUser | None:
    """The signed-in user of this browser session (set by sign-in; tests may set it directly)."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, CurrentUser) else None


def current_scope() -> Scope:
    """What the signed-in user may see; nobody signed in sees nothing."""
    user = current_user()
    return user.scope if user is not None else NOTHING


def sign_in(engine: Engine, lang: str) -> CurrentUser | None:
    """The signed-in user, or None after the sign-in form was drawn (the caller then stops)."""
    from ui.signin import require_user

    return require_user(engine, lang)


REQUESTED_KEY = "tripod_requested_page"
STARTED_KEY = "tripod_session_started"


def remember_requested_page() -> None:
    """Before the sign-in form: note which page the URL asked for (e.g. a shared link)."""
    if REQUESTED_KEY not in st.session_state:
        path = urlsplit(st.context.url or "").path.strip("/")
        st.session_state[REQUESTED_KEY] = path.rsplit("/", 1)[-1]


def _nothing() -> None:
    """The body of every page while nobody is signed in: the frame shows the sign-in form."""


def hide_navigation(keys: list[str]) -> None:
    """While the sign-in form shows: a hidden navigation that knows every page's address.

    Calling st.navigation at all ends Streamlit's pages/-folder mode (whose menu would list
    the raw file names on a fresh server), and knowing every address keeps a shared link
    from being answered with "page not found" before its reader has signed in.
    """
    # The default page is not one of the views, so a rerun of the sign-in form never runs a
    # view file by itself (AppTest re-enters the pages/ mode on every run).
    pages = [st.Page(_nothing, title="Tripod", url_path="signin", default=True)]
    pages += [st.Page(_nothing, title="Tripod", url_path=key) for key in keys]
    st.navigation(pages, position="hidden")


def requested_page(keys: list[str]) -> str | None:
    """Once, right after signing in: the page the URL asked for, if this user may open it.

    The run that follows a sign-in carries no page of its own, so without this the user would
    land on the default page instead of the link they opened.
    """
    wanted = st.session_state.pop(REQUESTED_KEY, None)
    return wanted if wanted in keys else None


def today() -> date:
    """Today in the organisation's time zone (weeks and 'last complete week' follow it)."""
    return datetime.now(get_settings().tz).date()


# --- shared filters, mirrored in the URL -------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A department or supervisor picked in a filter."""

    id: int
    code: str
    name: str


@cached_loader()
def load_departments(session: Session, scope: Scope) -> pd.DataFrame:
    return list_departments(session, scope)


@cached_loader()
def load_supervisors(session: Session, scope: Scope, department_id: int | None) -> pd.DataFrame:
    return list_supervisors(session, scope, department_id)


_MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")
LINK_VALUE_CHARS = 40  # how much of a value read from a link a notice repeats


def link_value(value: object) -> str:
    """A value read from the URL, shortened and shown as itself (a link can carry any text)."""
    text = " ".join(str(value).split())
    text = text if len(text) <= LINK_VALUE_CHARS else text[: LINK_VALUE_CHARS - 1] + "…"
    return _MARKDOWN_SIGNS.sub(r"\\\1", text)


def link_notice(message: str) -> None:
    """Say that the link asked for something this page does not show, and what it shows instead."""
    st.warning(message, icon=":material/link_off:")


def _stale_in_url(key: str, options: list[str]) -> str | None:
    """The URL's ?key= value when it is new to this session and is not one of the options.

    ALL (the "all" choice of another page) is not stale: a page without it simply shows its first
    option, as it would for a link without the key.
    """
    from_url = st.query_params.get(key)
    if from_url is None or from_url == ALL or from_url in options:
        return None
    return None if from_url == st.session_state.get(f"filter_{key}_url") else from_url


def _offered_notice(label: str) -> Callable[[str, str], str]:
    def word(requested: str, shown: str) -> str:
        return t(
            "The link asked for “{requested}” as {filter}, which is not offered here; "
            "showing {shown} instead.",
            current_lang(),
            requested=requested,
            filter=label,
            shown=shown,
        )

    return word


def bound_select(
    key: str,
    options: list[str],
    *,
    label: str,
    default: str | None = None,
    format_func: Callable[[str], str] = str,
    where: Any = None,
    disabled: bool = False,
    notice: Callable[[str, str], str] | None = None,
) -> str | None:
    """A selectbox whose value is also the URL's ?key=value, so a copied link reopens this view.

    A value in the URL that is not among `options` (stale, mistyped, or outside the user's
    scope) is not used: a notice says so and names what is shown instead, the same words
    whether or not the value exists, so a link cannot be used to probe for what one may not see.
    `notice(requested, shown)` words it; the default names the filter's label. The choice is
    remembered for the session, so it follows the user to other pages.
    """
    if not options:
        return None
    widget, remembered, last_url = f"filter_{key}", f"filter_{key}_value", f"filter_{key}_url"
    stale = _stale_in_url(key, options)
    from_url = st.query_params.get(key)
    if from_url in options and from_url != st.session_state.get(last_url):
        chosen = from_url  # the URL changed under us: a followed link or a pasted address
    elif st.session_state.get(widget) in options:
        chosen = st.session_state[widget]
    elif st.session_state.get(remembered) in options:
        chosen = st.session_state[remembered]
    else:
        chosen = default if default in options else options[0]
    st.session_state[widget] = chosen
    value = (where or st).selectbox(label, options, key=widget, format_func=format_func, disabled=disabled)
    st.session_state[remembered] = value
    st.query_params[key] = value
    st.session_state[last_url] = value
    if stale is not None:
        link_notice((notice or _offered_notice(label))(link_value(stale), format_func(value)))
    return value


def bound_multiselect(
    key: str,
    options: list[str],
    *,
    label: str,
    format_func: Callable[[str], str] = str,
    where: Any = None,
    notice: Callable[[str, str], str] | None = None,
    placeholder: str | None = None,
) -> list[str]:
    """A multi-select mirrored in the URL as ?key=A,B; every option chosen is the default (and no ?key).

    Values of the URL that are not options are dropped with a notice (worded by
    `notice(requested, shown)`, as bound_select's); choosing nothing means every option.
    """
    if not options:
        return []
    widget, last_url = f"filter_{key}", f"filter_{key}_url"
    from_url = st.query_params.get(key)
    asked = [part for part in (from_url or "").split(",") if part] if from_url != ALL else []
    fresh = from_url is not None and from_url != st.session_state.get(last_url)
    if fresh:
        chosen = [value for value in asked if value in options]
    elif isinstance(st.session_state.get(widget), list):
        chosen = [value for value in st.session_state[widget] if value in options]
    else:
        chosen = []
    st.session_state[widget] = chosen
    picked = (where or st).multiselect(
        label, options, key=widget, format_func=format_func, placeholder=placeholder
    )
    value = ",".join(picked) if picked and len(picked) < len(options) else None
    if value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    st.session_state[last_url] = value
    stale = [part for part in asked if part not in options] if fresh else []
    if stale:
        shown = ", ".join(format_func(v) for v in picked) if picked else placeholder or ""
        link_notice((notice or _offered_notice(label))(link_value(", ".join(stale)), shown))
    return picked or list(options)


def department_notice(lang: str) -> Callable[[str, str], str]:
    """How a link naming a department the user may not see (or none at all) is answered."""

    def word(requested: str, shown: str) -> str:
        return t(
            "The link named department “{requested}”, which is not among the departments you can see; "
            "showing {shown} instead.",
            lang,
            requested=requested,
            shown=shown,
        )

    return word


def department_filter(lang: str, *, allow_all: bool = True, where: Any = None) -> Choice | None:
    """Pick a department among those in the user's scope (?department=CODE); None means all of them."""
    frame = load_departments(current_scope())
    names = dict(zip(frame["code"], frame["name"], strict=True))
    ids = dict(zip(frame["code"], frame["id"], strict=True))
    restricted = current_scope().department_ids is not None
    options = ([ALL] if allow_all and not restricted and len(names) > 1 else []) + list(names)
    code = bound_select(
        "department",
        options,
        label=t("Department", lang),
        format_func=lambda c: t("All departments", lang) if c == ALL else f"{names[c]} ({c})",
        where=where,
        disabled=len(options) == 1,
        notice=department_notice(lang),
    )
    if code is None or code == ALL:
        return None
    return Choice(id=int(ids[code]), code=code, name=names[code])


def departments_filter(lang: str, *, where: Any = None) -> list[Choice]:
    """Pick any of the departments in the user's scope (?departments=D01,D02); none picked means all.

    Its own URL key, so the one department chosen on This week does not narrow a comparison.
    """
    frame = load_departments(current_scope())
    names = dict(zip(frame["code"], frame["name"], strict=True))
    ids = dict(zip(frame["code"], frame["id"], strict=True))
    codes = bound_multiselect(
        "departments",
        list(names),
        label=t("Departments", lang),
        format_func=lambda c: f"{names[c]} ({c})",
        where=where,
        notice=department_notice(lang),
        placeholder=t("All departments", lang),
    )
    return [Choice(id=int(ids[code]), code=code, name=names[code]) for code in codes]


def week_options(count: int = WEEKS_OFFERED, *, until: date | None = None) -> list[str]:
    """ISO weeks, newest first, ending with the last complete week before `until` (default today)."""
    last = periods.last_complete_week(until or today())
    return [periods.shift_week(last, -i) for i in range(count)]


def week_filter(lang: str, *, count: int = WEEKS_OFFERED, where: Any = None) -> str:
    """Pick an ISO week (?week=2026-W47); the default is the last complete week."""
    options = week_options(count)

    def word(requested: str, shown: str) -> str:
        return t(
            "The link named week “{requested}”, which is not offered (the weeks offered run from {first} "
            "to {last}); showing {shown} instead.",
            lang,
            requested=requested,
            first=format_week(options[-1], lang),
            last=format_week(options[0], lang),
            shown=shown,
        )

    week = bound_select(
        "week",
        options,
        label=t("Week", lang),
        default=options[0],
        format_func=lambda w: format_week(w, lang, with_dates=True),
        where=where,
        notice=word,
    )
    return week or options[0]


def supervisor_filter(
    lang: str, department_id: int | None = None, *, allow_all: bool = False, where: Any = None
) -> Choice | None:
    """Pick a supervisor in the user's scope (and department, if given): ?supervisor=CODE."""
    frame = load_supervisors(current_scope(), department_id)
    names = dict(zip(frame["code"], frame["name"], strict=True))
    ids = dict(zip(frame["code"], frame["id"], strict=True))
    options = ([ALL] if allow_all and len(names) > 1 else []) + list(names)

    def word(requested: str, shown: str) -> str:
        return t(
            "The link named supervisor “{requested}”, who is not among the supervisors you can see here; "
            "showing {shown} instead.",
            lang,
            requested=requested,
            shown=shown,
        )

    code = bound_select(
        "supervisor",
        options,
        label=t("Supervisor", lang),
        format_func=lambda c: t("All supervisors", lang) if c == ALL else f"{names[c]} ({c})",
        where=where,
        notice=word,
    )
    if code is None or code == ALL:
        return None
    return Choice(id=int(ids[code]), code=code, name=names[code])


def remember_navigation(page_keys: list[str]) -> None:
    """dashboard.py records the pages it put in the navigation, so links go only to those."""
    st.session_state[NAV_KEY] = tuple(page_keys)


def link_to(page_key: str, label: str, *, icon: str | None = None, where: Any = None, **query: str) -> bool:
    """A link to another page, carrying the current department and week unless `query` overrides them.

    Drawn only when that page is in this user's navigation (a page run alone, as under AppTest,
    has none); returns whether it was drawn.
    """
    from ui.registry import PAGES_BY_KEY

    if page_key not in st.session_state.get(NAV_KEY, ()) or not may_open(page_key):
        return False
    params = {key: st.query_params[key] for key in ("department", "week") if key in st.query_params}
    params.update({key: value for key, value in query.items() if value is not None})
    spec = PAGES_BY_KEY[page_key]
    (where or st).page_link(spec.path, label=label, icon=icon or spec.icon, query_params=params or None)
    return True


# --- pages that never show a traceback -----------------------------------------------------


def _log_failure(what: str) -> str:
    reference = uuid.uuid4().hex[:8]
    log.exception("%s [ref %s]", what, reference)
    return reference


def run_page(render: Callable[[], None], *, page_key: str | None = None, lang: str | None = None) -> None:
    """Run a page's body; any error becomes a plain message here and a traceback in the server log.

    With `page_key`, the page first checks that the signed-in user may open it (besides
    dashboard.py offering it only to those roles), so no way of reaching a view skips the check.
    Streamlit's own control flow (st.rerun, st.stop, st.switch_page) derives from BaseException
    and passes through untouched.
    """
    # A session's first run carries no click, so rerunning it loses nothing; later runs of
    # dashboard.py must not rerun (AppTest re-enters the pages/ mode on every run).
    # (AppTest has no runtime and re-enters the mode on every run, so it never needs the rerun.)
    first_run = STARTED_KEY not in st.session_state and st.runtime.exists()
    st.session_state[STARTED_KEY] = True
    _leave_pages_directory_mode(rerun=page_key is not None or first_run)
    lang = lang or current_lang()
    if page_key is not None and not may_open(page_key):
        st.warning(t("Please sign in with an account that may open this page.", lang), icon=":material/lock:")
        return
    try:
        render()
    except DatabaseBusyError:
        log.warning("database busy while rendering a page", exc_info=True)
        st.warning(t("The database is busy with another change. Please try again in a moment.", lang))
    except Exception as exc:
        if isinstance(exc, DBAPIError) and (exc.connection_invalidated or _is_unreachable(exc)):
            log.error("database unreachable while rendering a page: %s", exc)
            st.error(t("The database cannot be reached right now. Please try again in a moment.", lang))
            return
        reference = _log_failure("a page failed")
        st.error(
            t(
                "This part could not be shown. Reference {reference}; the details are in the server log.",
                lang,
                reference=reference,
            )
        )


def _leave_pages_directory_mode(*, rerun: bool) -> None:
    # A freshly started Streamlit server runs a file of the pages/ folder by itself (without
    # dashboard.py, hence without sign-in) when the first request names it, and keeps doing so
    # until something calls st.navigation. A page that finds itself run that way ends the mode
    # and reruns, which sends the request through dashboard.py before the page draws anything.
    # dashboard.py reruns only on a session's first run: rerunning later would swallow the click
    # that started the run (a button's value lasts one run). (This reaches into Streamlit's PagesManager;
    # tests/browser checks a direct link on a fresh server.)
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if rerun:
            st.rerun()


def may_open(page_key: str) -> bool:
    user = current_user()
    return user is not None and can_open(user.role, page_key)


def _is_unreachable(exc: Exception) -> bool:
    text = str(exc).lower()
    signs = (
        "connection refused",
        "could not connect",
        "server closed",
        "terminating connection",
        "unable to open",
    )
    return any(sign in text for sign in signs)


def safe(render: Callable[..., T]) -> Callable[..., T | None]:
    """Decorator form of run_page for one section of a page: the rest of the page still renders."""

    @functools.wraps(render)
    def wrapper(*args: Any, **kwargs: Any) -> T | None:
        result: list[T] = []
        run_page(lambda: result.append(render(*args, **kwargs)))
        return result[0] if result else None

    return wrapper
