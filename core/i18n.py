"""Translation and locale formatting: gettext catalogues read with Babel, numbers and dates for people.

English is the source language: a message id *is* the English text, and the Chinese text comes
from `locales/zh/LC_MESSAGES/*.po`. Every `.po` file in that folder is read and merged, so each
owner of a part of the product keeps their messages in their own file (`ui.po`, `metrics.po`,
...). Nothing here is process-global: each call names its language, so one user's choice can
never leak into another user's page (which `gettext.install` would do).

Placeholders use `str.format` names: `t("{count} rows", lang, count=3)`. Messages that are
chosen at run time (a label looked up by code) are marked for the extractor with `N_("...")`.
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_skeleton
from babel.messages.pofile import read_po
from babel.numbers import format_compact_currency, format_compact_decimal
from babel.numbers import format_currency as _babel_format_currency
from babel.numbers import format_decimal as _babel_format_decimal

from core.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("zh", "en")
SOURCE_LANGUAGE = "en"
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
LOCALES_DIR = PROJECT_ROOT / "locales"
# Babel locale per interface language. zh means Simplified Chinese as written in mainland China.
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
CURRENCY = "CNY"
MISSING = "—"


def N_(msgid: str) -> str:
    """Mark a message for extraction without translating it (it is translated later by `t`)."""
    return msgid


# --- catalogues ---------------------------------------------------------------------------


def catalogue_files(lang: str, root: Path = LOCALES_DIR) -> list[Path]:
    return sorted((root / lang / "LC_MESSAGES").glob("*.po"))


def read_catalogue(lang: str, root: Path = LOCALES_DIR) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    """All translated messages of one language, merged from every `.po` file of that language.

    Untranslated and fuzzy entries are left out, so they fall back to the English text. Keys
    are msgids (str) or (singular, plural) pairs; values are str or a tuple of plural forms.
    When two files translate the same msgid differently, the first file (by name) wins and the
    conflict is logged (the catalogue test fails on it).
    """
    merged: dict[str | tuple[str, str], str | tuple[str, ...]] = {}
    for path in catalogue_files(lang, root):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=BABEL_LOCALES.get(lang, lang), domain=path.stem)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = tuple(message.id) if isinstance(message.id, list | tuple) else message.id
            value = tuple(message.string) if isinstance(message.string, list | tuple) else message.string
            if not value or (isinstance(value, tuple) and not all(value)):
                continue
            if key in merged and merged[key] != value:
                log.warning("conflicting translations of %r in %s; keeping the first", key, path.name)
                continue
            merged.setdefault(key, value)
    return merged


@lru_cache(maxsize=len(LANGUAGES))
def _catalogue(lang: str) -> Mapping[str | tuple[str, str], str | tuple[str, ...]]:
    # Read once per process and language; the mapping is never mutated afterwards.
    return read_catalogue(lang)


def reload_catalogues() -> None:
    """Forget the catalogues read so far (after editing a .po file in a running process)."""
    _catalogue.cache_clear()


def normalise_language(lang: str | None) -> str:
    """'zh', 'zh-CN', 'zh_Hant' ... -> 'zh'; anything else (or nothing) -> 'en'."""
    if lang and lang.strip().lower().replace("_", "-").split("-")[0] == "zh":
        return "zh"
    return "en"


def language_from_locale(locale: str | None) -> str:
    """The interface language for a browser locale such as 'zh-CN' or 'en-US'."""
    return normalise_language(locale)


def cli_language(chosen: str | None = None) -> str:
    """The command line's language: --lang, else TRIPOD_LANG, else LANG (zh_CN.UTF-8 -> zh), else English."""
    import os

    for value in (chosen, os.environ.get("TRIPOD_LANG"), os.environ.get("LANG")):
        if value and value.strip() and value.strip().upper() not in ("C", "POSIX", "C.UTF-8"):
            return normalise_language(value)
    return SOURCE_LANGUAGE


def t(msgid: str, lang: str, **fmt: object) -> str:
    """The text of `msgid` (English) in `lang`, with `{name}` placeholders filled from `fmt`."""
    text = msgid
    if lang != SOURCE_LANGUAGE:
        found = _catalogue(lang).get(msgid)
        if isinstance(found, str):
            text = found
    return text.format(**fmt) if fmt else text


def tn(singular: str, plural: str, n: int, lang: str, **fmt: object) -> str:
    """A message that depends on a count: `tn("{n} row", "{n} rows", n, lang)`; `n` is also a placeholder."""
    if lang == SOURCE_LANGUAGE:
        text = singular if n == 1 else plural
    else:
        found = _catalogue(lang).get((singular, plural))
        # Chinese has a single plural form; other languages would need their plural rule here.
        text = found[0] if isinstance(found, tuple) and found else (singular if n == 1 else plural)
    return text.format(n=n, **fmt)


def pick(content: Mapping[str, str], lang: str) -> str:
    """The text for `lang` from a bilingual dict {"zh": ..., "en": ...}, falling back to the other."""
    if lang in content:
        return content[lang]
    for other in (SOURCE_LANGUAGE, *LANGUAGES):
        if other in content:
            log.warning("bilingual text without %r: %r", lang, content)
            return content[other]
    raise KeyError(f"no text for {lang!r} in {content!r}")


# --- formatting ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def babel_locale(lang: str) -> Locale:
    # Parsed once per language: Locale.parse on every formatted cell was a third of formatting.
    return Locale.parse(BABEL_LOCALES.get(lang, BABEL_LOCALES[SOURCE_LANGUAGE]))


def _is_missing(value: object) -> bool:
    """None, NaN, pandas' NaT and NA: values that only ever differ from themselves when missing."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA compares to NA, which has no truth value
        return True


def _pattern(decimals: int, *, signed: bool, suffix: str = "") -> str:
    body = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + suffix
    return f"+{body};-{body}" if signed else body


def _half_up() -> decimal.localcontext:
    # People expect 2.5 -> 3; Babel rounds with the decimal context, whose default is half-even.
    # localcontext is per thread, so this never affects another session.
    return decimal.localcontext(rounding=decimal.ROUND_HALF_UP)


def format_number(value: float | int | None, lang: str, *, decimals: int = 0, signed: bool = False) -> str:
    """1234567.8 -> '1,234,568' (thousands separators of the language); None -> '—'."""
    if _is_missing(value):
        return MISSING
    with _half_up():
        return _babel_format_decimal(
            value, format=_pattern(decimals, signed=signed), locale=babel_locale(lang)
        )


def format_compact(value: float | int | None, lang: str, *, decimals: int = 1) -> str:
    """Large numbers the way each language says them: 1234567 -> '123.5万' / '1.2M'."""
    if _is_missing(value):
        return MISSING
    with _half_up():
        return format_compact_decimal(value, locale=babel_locale(lang), fraction_digits=decimals)


def format_percent(fraction: float | None, lang: str, *, decimals: int = 0, signed: bool = False) -> str:
    """A fraction as a percentage: 0.934 -> '93%' (decimals=1: '93.4%'); None -> '—'."""
    if _is_missing(fraction):
        return MISSING
    with _half_up():
        return _babel_format_decimal(
            # The '%' in the pattern makes Babel multiply by 100 itself.
            decimal.Decimal(str(fraction)),
            format=_pattern(decimals, signed=signed, suffix="%"),
            locale=babel_locale(lang),
        )


def format_points(delta_fraction: float | None, lang: str, *, decimals: int = 1) -> str:
    """A change between two percentages, in percentage points: 0.021 -> '+2.1 pp' / '+2.1个百分点'."""
    if _is_missing(delta_fraction):
        return MISSING
    number = format_number(delta_fraction * 100, lang, decimals=decimals, signed=True)
    return t("{number} pp", lang, number=number)


def format_currency(
    amount: float | None,
    lang: str,
    *,
    decimals: int = 0,
    compact: bool = False,
    signed: bool = False,
) -> str:
    """An amount in CNY: '¥1,234,568' in Chinese, 'CN¥1,234,568' in English; compact: '¥123.5万'."""
    if _is_missing(amount):
        return MISSING
    loc = babel_locale(lang)
    with _half_up():
        if compact:
            text = format_compact_currency(amount, CURRENCY, locale=loc, fraction_digits=1)
            return f"+{text}" if signed and amount > 0 else text
        body = "¤#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        pattern = f"+{body};-{body}" if signed else body
        return _babel_format_currency(amount, CURRENCY, format=pattern, locale=loc, currency_digits=False)


def format_date(value: date | datetime | None, lang: str, *, style: str = "medium") -> str:
    """'2026年11月28日' / 'Nov 28, 2026' (style: short, medium, long, or a Babel skeleton like 'MMMd')."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, datetime):
        value = value.date()
    if style in ("short", "medium", "long", "full"):
        return _babel_format_date(value, format=style, locale=babel_locale(lang))
    return format_skeleton(style, value, locale=babel_locale(lang))


def parse_iso_week(week: str) -> tuple[date, date]:
    """'2026-W47' -> (Monday, Sunday) of that ISO week."""
    year_text, _, week_text = week.strip().upper().partition("-W")
    year, number = int(year_text), int(week_text)
    return date.fromisocalendar(year, number, 1), date.fromisocalendar(year, number, 7)


def format_week(week: str | None, lang: str, *, with_dates: bool = False) -> str:
    """'2026-W47' -> '2026年第47周' / 'Week 47, 2026'; with_dates adds '(11月16日–11月22日)'."""
    if not week:
        return MISSING
    monday, sunday = parse_iso_week(week)
    iso_year, number, _ = monday.isocalendar()
    text = t("Week {week}, {year}", lang, week=number, year=iso_year)
    if with_dates:
        text += f" ({format_date(monday, lang, style='MMMd')}–{format_date(sunday, lang, style='MMMd')})"
    return text


def language_names(langs: Iterable[str] = LANGUAGES) -> dict[str, str]:
    """Each language's name in itself, for the language switch."""
    return {lang: LANGUAGE_NAMES[lang] for lang in langs}


# --- catalogue maintenance (used by the tests and by `python -m core.i18n`) ---------------

# Where user-facing messages live; tests/ and migrations/ hold none.
SOURCE_GLOBS = ("dashboard.py", "core/**.py", "ui/**.py", "pages/**.py", "pages/**.py", "scripts/**.py")
KEYWORDS = {"t": None, "tn": (1, 2), "N_": None}


def extract_messages(root: Path = PROJECT_ROOT) -> dict[str | tuple[str, str], list[str]]:
    """Every literal msgid passed to t/tn/N_ in the product's source, with where it is used."""
    from babel.messages.extract import extract_from_dir

    method_map = [(pattern, "python") for pattern in SOURCE_GLOBS]
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map=method_map, keywords=KEYWORDS, comment_tags=()
    ):
        key = tuple(message) if isinstance(message, list | tuple) else message
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if not key or (isinstance(key, tuple) and not all(key)):
            continue
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def missing_translations(
    lang: str = "zh", root: Path = PROJECT_ROOT
) -> dict[str | tuple[str, str], list[str]]:
    """Messages used in the source that `lang`'s catalogues do not translate."""
    catalogue = read_catalogue(lang, root / "locales")
    return {key: where for key, where in extract_messages(root).items() if key not in catalogue}


def po_stub(missing: Mapping[str | tuple[str, str], list[str]]) -> str:
    """Entries to paste into a .po file for the messages in `missing` (msgstr left empty)."""

    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    blocks = []
    for key, where in missing.items():
        lines = [f"#: {' '.join(sorted(set(where)))}"]
        if isinstance(key, tuple):
            lines += [f"msgid {quote(key[0])}", f"msgid_plural {quote(key[1])}", 'msgstr[0] ""']
        else:
            lines += [f"msgid {quote(key)}", 'msgstr ""']
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


if __name__ == "__main__":
    # `python -m core.i18n` prints the untranslated messages as .po entries, ready to fill in.
    print(po_stub(missing_translations("zh")), end="")
