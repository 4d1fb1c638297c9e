"""The upload page's parts: read, map, validate, write; outcome, rejected rows, profiles, history, unmatched.

Everything that decides something lives in core.importing.upload; these functions only draw
widgets, keep the file being worked on in st.session_state, and clear the caches after writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core.auth import CurrentUser, Permission, Scope
from core.i18n import N_, format_number, t, tn
from core.importing.load import previous_upload, read_canonical_csv
from core.importing.mapping import COMPLAINT_FIELDS
from core.importing.prepare import PreparedFile
from core.importing.upload import (
    COMPLAINTS,
    REFUSALS,
    UploadOutcome,
    import_complaint_upload,
    import_record_upload,
    list_uploads,
    local_when,
    read_upload,
    refusal_message,
    rejected_rows_download,
    resolve_unmatched,
    save_profile,
    undo_upload,
    unmatched_groups,
    workbook_sheets,
)
from core.inventory import kind_label
from core.tables import Column
from ui import glue, widgets

CACHE, DONE, MAP_FOR, FLASH = "upload_cache", "upload_done", "upload_map_for", "upload_flash"
AUTO = "auto"
ENCODINGS = (AUTO, "utf-8", "gb18030", "gbk", "big5", "utf-16", "windows-1252", "latin-1")
DATE_ORDERS = {
    AUTO: N_("Decide from the file"),
    "day": N_("Day first (D/M/Y)"),
    "month": N_("Month first (M/D/Y)"),
}
SEPARATORS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab"), "|": N_("vertical bar")}
COUNTS = (
    ("rows_read", N_("Rows read")),
    ("inserted", N_("New")),
    ("updated", N_("Updated")),
    ("duplicate", N_("Duplicates")),
    ("unmatched", N_("Unmatched")),
    ("rejected", N_("Rejected")),
)
STATUSES = {
    "committed": N_("Imported"),
    "refused": N_("Refused"),
    "undone": N_("Undone"),
    "dry_run": N_("Checked only"),
}
HISTORY_DOWNLOAD = (
    Column("id", N_("Upload no.")),
    Column("created_at", N_("When"), "datetime"),
    Column("username", N_("Uploaded by")),
    Column("kind", N_("Data"), lambda v, lang: t(kind_label(v), lang)),
    Column("file_name", N_("File")),
    *(Column(key, label, "number") for key, label in COUNTS),
    Column("state", N_("Status")),
)
# On screen the five outcome counts share one column (only those that are not zero), so the
# table fits a 1400 px window in Chinese too; the CSV keeps one column per count.
HISTORY_TABLE = (
    *HISTORY_DOWNLOAD[:5],
    Column("rows_read", N_("Rows read"), "number"),
    Column("outcome", N_("Outcome")),
    Column("state", N_("Status")),
)
HISTORY_WIDTHS = {
    "id": 70,
    "created_at": 140,
    "username": 90,
    "kind": 100,
    "file_name": 150,
    "rows_read": 75,
    "outcome": 150,
    "state": 140,
}
UNMATCHED_TABLE = (
    Column("ref_text", N_("Written in the file")),
    Column("reason", N_("Why it is unmatched")),
    Column("complaints", N_("Complaints"), "number"),
    Column("first_received", N_("First received"), "datetime"),
    Column("last_received", N_("Last received"), "datetime"),
)


# --- loaders ------------------------------------------------------------------------------


@glue.cached_loader(ttl=60)
def load_history(session: Session, username: str | None) -> pd.DataFrame:
    return list_uploads(session, username=username)


@glue.cached_loader(ttl=60)
def load_unmatched(session: Session, scope: Scope) -> pd.DataFrame:
    return unmatched_groups(session, None if scope.department_ids is None else sorted(scope.department_ids))


def _remember(name: str, key: object, compute: Callable[[], Any]) -> Any:
    """A value computed once per file and options in this browser session (reads are not free)."""
    store = st.session_state.setdefault(CACHE, {})
    if name in store and store[name][0] == key:
        return store[name][1]
    value = compute()
    store[name] = (key, value)
    return value


def flash(message: str) -> None:
    """A success message that survives the rerun after a write (the tables above are redrawn)."""
    st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")


# --- outcome ------------------------------------------------------------------------------


def show_counts(outcome: UploadOutcome, lang: str) -> None:
    counts = outcome.counts()
    for box, (key, label) in zip(st.columns(len(COUNTS)), COUNTS):
        box.metric(t(label, lang), format_number(counts[key], lang))


def show_rejected(outcome: UploadOutcome, lang: str, *, key: str) -> None:
    rejected = outcome.rejected_rows(lang)
    if rejected.empty:
        return
    rejected.index.name = t("Row", lang)
    wide = {rejected.columns[-1]: st.column_config.TextColumn(width="large")}
    st.dataframe(rejected.head(200), width="stretch", column_config=wide, key=f"{key}_rejected")
    stem = f"{outcome.kind}-rejected"
    csv_box, xlsx_box = st.columns(2)
    for box, fmt, mime in (
        (csv_box, "csv", "text/csv"),
        (xlsx_box, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):
        box.download_button(
            t("Download the rejected rows ({format})", lang, format=fmt.upper()),
            data=rejected_rows_download(outcome, lang, fmt),
            file_name=f"{stem}.{fmt}",
            mime=mime,
            key=f"{key}_{fmt}",
            icon=":material/download:",
            on_click="ignore",
        )


def show_done(outcome: UploadOutcome, lang: str) -> None:
    """The outcome of a write: what was saved, and what to do with the rejected rows."""
    if outcome.committed and not outcome.recognised:
        st.success(saved_summary(outcome, lang), icon=":material/check_circle:")
    elif outcome.recognised:
        st.info(outcome.message(lang), icon=":material/content_copy:")
    else:
        st.error(outcome.message(lang))
    show_counts(outcome, lang)
    show_rejected(outcome, lang, key="done")


def saved_summary(outcome: UploadOutcome, lang: str) -> str:
    """The line after a write: how many rows were written in all, then how they split.

    Unmatched rows are written too, so "0 new" alone would read as if nothing was saved.
    """
    counts = outcome.counts()
    return tn(
        "Upload #{id} saved: {n} row written ({inserted} new matched, {updated} updated, "
        "{unmatched} unmatched).",
        "Upload #{id} saved: {n} rows written ({inserted} new matched, {updated} updated, "
        "{unmatched} unmatched).",
        outcome.written(),
        lang,
        id=outcome.upload_id,
        inserted=format_number(counts["inserted"], lang),
        updated=format_number(counts["updated"], lang),
        unmatched=format_number(counts["unmatched"], lang),
    )


def import_choice(outcome: UploadOutcome, lang: str) -> tuple[str, str, int]:
    """The import button's label, what to do with rejected rows, and how many rows would be written."""
    counts = outcome.counts()
    # What will be written: new, changed and unmatched rows (duplicates change nothing).
    valid = outcome.written()
    # Rows that name neither a customer nor a department cannot be resolved in the unmatched list.
    neither = outcome.unattributable()
    if counts["unmatched"] - neither:
        st.warning(
            tn(
                "{n} complaint will be stored as unmatched: it counts for no department until its "
                "customer or department is resolved in the list of unmatched complaints below.",
                "{n} complaints will be stored as unmatched: they count for no department until their "
                "customer or department is resolved in the list of unmatched complaints below.",
                counts["unmatched"] - neither,
                lang,
            ),
            icon=":material/link_off:",
        )
    if neither:
        st.warning(
            tn(
                "{n} row names neither a customer nor a department: it would be stored as unmatched but "
                "can never be attributed to a department, since unmatched complaints are resolved by the "
                "name they carry. Map a customer or department column above, or leave the row out of "
                "the file.",
                "{n} rows name neither a customer nor a department: they would be stored as unmatched but "
                "can never be attributed to a department, since unmatched complaints are resolved by the "
                "name they carry. Map a customer or department column above, or leave these rows out of "
                "the file.",
                neither,
                lang,
            ),
            icon=":material/block:",
        )
    if not counts["rejected"]:
        return tn("Import {n} row", "Import {n} rows", valid, lang), "refuse", valid
    st.warning(
        tn(
            "{n} row is rejected (the reasons are above). Fix it and upload again, or import the valid rows "
            "now and the rejected one later.",
            "{n} rows are rejected (the reasons are above). Fix them and upload again, or import the valid "
            "rows now and the rejected ones later.",
            counts["rejected"],
            lang,
        )
    )
    return tn("Import the {n} valid row", "Import the {n} valid rows", valid, lang), "skip", valid


# --- complaint exports --------------------------------------------------------------------


def _file_identity(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def complaint_flow(name: str, data: bytes, user: CurrentUser, lang: str) -> None:
    """Read → map → validate (a dry run) → write, for one complaint export."""
    digest = _file_identity(data)
    done = st.session_state.get(DONE)
    if done and done[0] == digest:
        show_done(done[1], lang)
        save_profile_form(done[1].prepared, user, lang)
        return
    source = st.session_state.get("upload_source") or "callcenter"
    earlier = previous_upload(glue.get_engine(), COMPLAINTS, digest, source)
    if earlier is not None:
        st.info(
            t(
                "This exact file was already imported (upload #{id}, {when}); nothing would change.",
                lang,
                id=earlier.id,
                when=local_when(earlier.created_at_utc, lang),
            ),
            icon=":material/content_copy:",
        )
        return
    sheets = _remember("sheets", digest, lambda: workbook_sheets(data, name))
    encoding, sheet, day_first = _chosen_options(sheets)
    prepared, profile, outcome, problem = None, None, None, None
    with st.status(t("Checking the file…", lang), expanded=False) as status:
        st.write(t("Reading the file…", lang))
        try:
            prepared, profile = _read(name, data, digest, encoding, sheet, day_first)
            st.write(_read_summary(prepared, lang))
            st.write(t("Columns mapped: {count} fields.", lang, count=len(prepared.mapping)))
            outcome = _dry_run(name, data, (digest, encoding, sheet, day_first), prepared, source, user)
        except REFUSALS as exc:
            problem = exc
        if isinstance(outcome, Exception):
            problem, outcome = outcome, None
        if problem is None:
            st.write(t("Validated: every row checked against the database, nothing written.", lang))
            status.update(label=t("Checked: ready to import.", lang), state="complete")
        else:
            failed = t("The file cannot be imported.", lang) if prepared is None else None
            status.update(label=failed or t("The file needs your attention.", lang), state="error")
    if problem is not None:
        (st.error if prepared is None else st.warning)(refusal_message(problem, lang))
    # Below the verdict, and open when something needs choosing (an encoding, a date order).
    _file_options(sheets, lang, expanded=problem is not None)
    if prepared is None:
        return
    _show_preview(prepared, profile, lang)
    mapping_editor(prepared, lang)
    if outcome is None:
        return
    outcome.profile = profile
    st.subheader(t("What the import will do", lang))
    show_counts(outcome, lang)
    show_rejected(outcome, lang, key="dry")
    _import_buttons(name, data, digest, prepared, outcome, source, user, lang)
    save_profile_form(prepared, user, lang)


def _chosen_options(sheets: list[str]) -> tuple[str | None, str | None, bool | None]:
    """The read options as last chosen in the file options below (their widgets keep the values)."""
    encoding = st.session_state.get("upload_encoding", AUTO)
    sheet = st.session_state.get("upload_sheet")
    order = st.session_state.get("upload_day_first", AUTO)
    return (
        None if encoding == AUTO or sheets else encoding,
        (sheet if sheet in sheets else sheets[0]) if sheets else None,
        {AUTO: None, "day": True, "month": False}.get(order),
    )


def _file_options(sheets: list[str], lang: str, *, expanded: bool) -> None:
    with st.expander(t("File options: encoding, sheet, date order, source", lang), expanded=expanded):
        left, middle, right, far = st.columns(4)
        left.selectbox(
            t("Encoding", lang),
            ENCODINGS,
            key="upload_encoding",
            format_func=lambda e: t("Detect automatically", lang) if e == AUTO else e,
            disabled=bool(sheets),
        )
        if sheets:
            middle.selectbox(t("Sheet", lang), sheets, key="upload_sheet")
        right.selectbox(
            t("Date order", lang),
            list(DATE_ORDERS),
            key="upload_day_first",
            format_func=lambda o: t(DATE_ORDERS[o], lang),
        )
        far.text_input(t("Source system of the ids", lang), value="callcenter", key="upload_source")


def _read(
    name: str, data: bytes, digest: str, encoding: str | None, sheet: str | None, day_first: bool | None
) -> tuple[PreparedFile, str | None]:
    engine = glue.get_engine()
    options = (digest, encoding, sheet, day_first)
    first, profile = _remember(
        "read",
        options,
        lambda: read_upload(engine, data, name, encoding=encoding, sheet=sheet, day_first=day_first),
    )
    if st.session_state.get(MAP_FOR) != options:
        # A new file (or new read options): the editor starts from the profile or the suggestion.
        for spec in COMPLAINT_FIELDS:
            st.session_state[f"upload_map_{spec.name}"] = first.mapping.get(spec.name, "")
        st.session_state[MAP_FOR] = options
    chosen = {f.name: st.session_state.get(f"upload_map_{f.name}") for f in COMPLAINT_FIELDS}
    chosen = {k: v for k, v in chosen.items() if v}
    if chosen == first.mapping:
        return first, profile
    mapped = _remember(
        "mapped",
        (options, json.dumps(chosen, sort_keys=True)),
        lambda: read_upload(
            engine, data, name, mapping=chosen, encoding=encoding, sheet=sheet, day_first=day_first
        )[0],
    )
    return mapped, None


def _dry_run(
    name: str, data: bytes, options: tuple, prepared: PreparedFile, source: str, user: CurrentUser
) -> UploadOutcome | Exception:
    def check() -> UploadOutcome | Exception:
        try:
            return import_complaint_upload(
                glue.get_engine(),
                data,
                name,
                prepared=prepared,
                source=source,
                username=user.username,
                dry_run=True,
                on_reject="skip",
                department_ids=user.scope.department_ids,
            )
        except REFUSALS as exc:
            return exc

    return _remember("dry", (options, json.dumps(prepared.mapping, sort_keys=True), source), check)


def _read_summary(prepared: PreparedFile, lang: str) -> str:
    if prepared.kind == "xlsx":
        return t(
            "Read {rows} rows from the sheet “{sheet}”.", lang, rows=prepared.rows_read, sheet=prepared.sheet
        )
    separator = t(SEPARATORS.get(prepared.delimiter or ",", N_("comma")), lang)
    return t(
        "Read {rows} rows: encoding {encoding}, separator {separator}.",
        lang,
        rows=prepared.rows_read,
        encoding=(prepared.encoding or "").upper(),
        separator=separator,
    )


def _show_preview(prepared: PreparedFile, profile: str | None, lang: str) -> None:
    st.subheader(t("The first rows of the file", lang))
    st.caption(_read_summary(prepared, lang))
    preview = prepared.preview(10)
    preview.index.name = t("Row", lang)
    st.dataframe(preview, width="stretch", key="upload_preview")
    if profile:
        st.info(
            t("The saved mapping “{name}” was applied: this file has the same columns.", lang, name=profile),
            icon=":material/bookmark:",
        )
    for notice in prepared.notices:
        st.caption(notice.message(lang))


def mapping_editor(prepared: PreparedFile, lang: str) -> None:
    """One choice of column per Tripod field, pre-filled from the profile or the suggestion."""
    st.subheader(t("Columns", lang))
    st.caption(t("Choose the file's column for each field; id and the received time are required.", lang))
    options = ["", *prepared.columns]
    boxes = st.columns(4)
    for i, spec in enumerate(COMPLAINT_FIELDS):
        key = f"upload_map_{spec.name}"
        if st.session_state.get(key) not in options:
            st.session_state[key] = ""
        required = spec.name in ("id", "received_at")
        boxes[i % 4].selectbox(
            spec.label(lang) + (" *" if required else ""),
            options,
            key=key,
            format_func=lambda c: t("— not in this file —", lang) if c == "" else c,
        )


def _import_buttons(
    name: str,
    data: bytes,
    digest: str,
    prepared: PreparedFile,
    outcome: UploadOutcome,
    source: str,
    user: CurrentUser,
    lang: str,
) -> None:
    label, on_reject, valid = import_choice(outcome, lang)
    if not st.button(label, type="primary", disabled=valid == 0, icon=":material/upload:", key="upload_go"):
        return
    with st.status(t("Writing…", lang)) as status:
        try:
            written = import_complaint_upload(
                glue.get_engine(),
                data,
                name,
                prepared=prepared,
                source=source,
                username=user.username,
                on_reject=on_reject,
                department_ids=user.scope.department_ids,
            )
        except REFUSALS as exc:
            status.update(label=t("Nothing was saved.", lang), state="error")
            st.error(refusal_message(exc, lang))
            return
        status.update(
            label=t("Saved.", lang) if written.committed else t("Nothing was saved.", lang),
            state="complete" if written.committed else "error",
        )
    glue.clear_caches()
    st.session_state[DONE] = (digest, written)
    st.session_state.pop(CACHE, None)
    st.rerun()


def save_profile_form(prepared: PreparedFile | None, user: CurrentUser, lang: str) -> None:
    if prepared is None or prepared.missing_required:
        return
    with st.form("upload_profile", border=True):
        st.markdown(
            t("**Save this mapping** to apply it when a file with the same columns comes again.", lang)
        )
        profile_name = st.text_input(t("Profile name", lang), key="upload_profile_name")
        if st.form_submit_button(t("Save the mapping", lang), icon=":material/bookmark_add:"):
            try:
                with glue.writing() as session:
                    save_profile(session, profile_name, prepared, username=user.username)
            except REFUSALS as exc:
                st.error(refusal_message(exc, lang))
                return
            st.success(
                t("Mapping “{name}” saved.", lang, name=profile_name.strip()), icon=":material/bookmark:"
            )


# --- other kinds --------------------------------------------------------------------------


def record_flow(kind: str, name: str, data: bytes, user: CurrentUser, lang: str) -> None:
    """A canonical file of another kind: preview, dry run, write."""
    digest = _file_identity(data)
    done = st.session_state.get(DONE)
    if done and done[0] == digest:
        show_done(done[1], lang)
        return
    engine = glue.get_engine()
    try:
        preview = read_canonical_csv(data).drop(columns="_row").head(10)
        outcome = _remember(
            "dry",
            (digest, kind),
            lambda: import_record_upload(
                engine,
                kind,
                data,
                name,
                username=user.username,
                dry_run=True,
                on_reject="skip",
                department_ids=user.scope.department_ids,
            ),
        )
    except REFUSALS as exc:
        st.error(refusal_message(exc, lang))
        return
    st.dataframe(preview, width="stretch", key="upload_preview")
    if outcome.recognised:
        st.info(outcome.message(lang), icon=":material/content_copy:")
        return
    st.subheader(t("What the import will do", lang))
    show_counts(outcome, lang)
    show_rejected(outcome, lang, key="dry")
    label, on_reject, valid = import_choice(outcome, lang)
    if st.button(label, type="primary", disabled=valid == 0, icon=":material/upload:", key="upload_go"):
        try:
            written = import_record_upload(
                engine,
                kind,
                data,
                name,
                username=user.username,
                on_reject=on_reject,
                department_ids=user.scope.department_ids,
            )
        except REFUSALS as exc:
            st.error(refusal_message(exc, lang))
            return
        glue.clear_caches()
        st.session_state[DONE] = (digest, written)
        st.session_state.pop(CACHE, None)
        st.rerun()


# --- history and unmatched ----------------------------------------------------------------


def history(user: CurrentUser, lang: str) -> None:
    st.subheader(t("Upload history", lang))
    # Managers see their own uploads; the call center and administrators see everyone's.
    own = None if user.scope.department_ids is None else user.username
    frame = load_history(own)
    if frame.empty:
        st.caption(t("No upload yet.", lang))
        return
    shown = frame.assign(
        state=[_state(status, by, lang) for status, by in zip(frame["status"], frame["undone_by"])],
        outcome=[_outcome_text(row, lang) for row in frame.to_dict("records")],
    )
    widgets.table(
        shown,
        HISTORY_TABLE,
        lang,
        key="upload_history",
        height=min(36 * (len(frame) + 1), 420),
        widths=HISTORY_WIDTHS,
        download_columns=HISTORY_DOWNLOAD,
    )
    if user.can(Permission.UNDO_UPLOAD):
        _undo_form(frame, user, lang)


def _outcome_text(row: dict[str, Any], lang: str) -> str:
    """The counts of one upload that are not zero, e.g. "新增 1 · 未匹配 1 · 拒绝 1"."""
    parts = [
        f"{t(label, lang)} {format_number(row[key], lang)}"
        for key, label in COUNTS[1:]
        if row[key] and not pd.isna(row[key])
    ]
    return " · ".join(parts) or "—"


def _state(status: str, undone_by: str | None, lang: str) -> str:
    text = t(STATUSES.get(status, status), lang)
    return f"{text} · {undone_by}" if status == "undone" and undone_by else text


def _undo_form(frame: pd.DataFrame, user: CurrentUser, lang: str) -> None:
    writes = frame[["inserted", "updated", "unmatched"]].sum(axis=1) > 0
    undoable = frame[(frame["status"] == "committed") & (frame["kind"] == COMPLAINTS) & writes]
    if undoable.empty:
        return
    labels = {int(r.id): f"#{r.id} · {r.file_name} · {r.username or '—'}" for r in undoable.itertuples()}
    with st.form("upload_undo", border=True):
        st.markdown(
            t(
                "**Undo an upload.** The complaints it added are deleted; those it updated get their "
                "previous values back. The upload stays in the history, marked undone.",
                lang,
            )
        )
        # Keyed by the newest upload, so a new upload becomes the one offered, not an older choice.
        chosen = st.selectbox(
            t("Upload to undo", lang), list(labels), format_func=labels.get, key=f"upload_undo_{max(labels)}"
        )
        sure = st.checkbox(t("Yes, undo this upload", lang), key="upload_undo_sure")
        submitted = st.form_submit_button(t("Undo", lang), icon=":material/undo:")
        if submitted and not sure:
            st.warning(t("Tick the box to confirm, then press Undo again.", lang))
        if submitted and sure:
            try:
                with glue.writing() as session:
                    result = undo_upload(session, int(chosen), username=user.username, role=user.role)
            except REFUSALS as exc:
                st.error(refusal_message(exc, lang))
                return
            flash(
                t(
                    "Upload #{id} undone: {deleted} complaints deleted, {restored} restored to their "
                    "previous values.",
                    lang,
                    id=result.upload_id,
                    deleted=result.deleted,
                    restored=result.restored,
                )
            )


def unmatched(user: CurrentUser, lang: str) -> None:
    st.subheader(t("Unmatched complaints", lang))
    if user.scope.department_ids is not None:
        st.caption(
            t(
                "Complaints that name no known customer or department belong to no department yet; "
                "the call center or an administrator resolves them.",
                lang,
            )
        )
        return
    groups = load_unmatched(user.scope)
    if groups.empty:
        st.caption(t("Every complaint is matched to a department.", lang))
        return
    shown = groups.assign(reason=groups[f"reason_{'zh' if lang == 'zh' else 'en'}"])
    st.caption(
        tn(
            "{n} complaint is kept but counts for no department until its name is resolved.",
            "{n} complaints are kept but count for no department until their names are resolved.",
            int(groups["complaints"].sum()),
            lang,
        )
    )
    widgets.table(
        shown, UNMATCHED_TABLE, lang, key="upload_unmatched", height=min(36 * (len(shown) + 1), 360)
    )
    _resolve_form(groups, user, lang)


def _resolve_form(groups: pd.DataFrame, user: CurrentUser, lang: str) -> None:
    named = groups[groups["ref_text"] != ""]
    if named.empty:
        return
    # Plain names as options: a count in the label would go stale in the browser when it changes.
    names = named["ref_text"].tolist()
    departments = glue.load_departments(user.scope)
    dept_names = dict(zip(departments["code"], departments["name"]))
    with st.form("upload_resolve", border=True):
        st.markdown(t("**Resolve a name:** the complaints that mention it then count everywhere.", lang))
        ref, target, code = st.columns([2, 1, 2])
        chosen = ref.selectbox(t("Name in the file", lang), names, key="resolve_ref")
        kind = target.radio(
            t("Map to", lang),
            ["department", "customer"],
            key="resolve_kind",
            format_func=lambda k: t("Department", lang) if k == "department" else t("Customer", lang),
        )
        department = code.selectbox(
            t("Department (when mapping to a department)", lang),
            list(dept_names),
            key="resolve_department",
            format_func=lambda c: f"{dept_names[c]} ({c})",
        )
        customer = code.text_input(
            t("Customer code (when mapping to a customer)", lang), key="resolve_customer"
        )
        if st.form_submit_button(t("Resolve", lang), icon=":material/link:"):
            try:
                with glue.writing() as session:
                    done = resolve_unmatched(
                        session,
                        chosen,
                        username=user.username,
                        customer_code=customer if kind == "customer" else None,
                        department_code=department if kind == "department" else None,
                    )
            except REFUSALS as exc:
                st.error(refusal_message(exc, lang))
                return
            flash(
                tn(
                    "{n} complaint mentioning “{name}” now counts.",
                    "{n} complaints mentioning “{name}” now count.",
                    done.matched,
                    lang,
                    name=chosen,
                )
            )
