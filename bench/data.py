"""The benchmark's inputs: generated organisations and a large call-center complaint log as CSV."""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from seed_data import vocab
from seed_data.generate import generate

HEADER = [
    "id",
    "received_at",
    "customer_code",
    "department_code",
    "category",
    "severity",
    "channel",
    "status",
    "resolved_at",
    "description",
]
_EPOCH = datetime(1970, 1, 1)


def organisation(folder: Path, *, today: date, scale: float | None = None, preset: str | None = None) -> Path:
    """A generated organisation's canonical files in `folder`, reused when already complete."""
    manifest = folder / "manifest.json"
    if manifest.exists():
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        same_size = preset or float(meta.get("scale", 1)) == float(scale or 1)
        if meta.get("today") == today.isoformat() and meta.get("preset") == preset and same_size:
            return folder
    generate(folder, today=today, scale=scale or 1, preset=preset)
    return folder


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _descriptions(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    """~80-character complaint texts; 2% carry a second line (a quoted multi-line cell)."""
    n = len(category)
    templates = {c: vocab._TEMPLATES[c] for c in vocab.CATEGORIES}
    pool: dict[str, list[str]] = {}
    for c, texts in templates.items():
        filled = []
        for k in range(60):
            filled.append(
                texts[k % len(texts)].format(
                    p=vocab.PRODUCTS[k % len(vocab.PRODUCTS)], d=3 + k % 20, n=2 + k % 9, m=1 + k % 12,
                    a=1000 + 37 * k, h=4 + k % 40,
                )
            )  # fmt: skip
        pool[c] = filled
    callers = np.array(vocab._CALLERS, dtype=object)
    text = np.empty(n, dtype=object)
    pick = rng.integers(0, 1 << 30, n)
    for c, texts in pool.items():
        mask = category == c
        text[mask] = np.array(texts, dtype=object)[pick[mask] % len(texts)]
    ticket = rng.integers(100000, 999999, n).astype(str).astype(object)
    text = callers[rng.integers(0, len(callers), n)] + text + "（工单号 " + ticket + "，请尽快跟进处理）"
    multi = rng.random(n) < 0.02
    text[multi] = text[multi] + "\n补充：客户再次来电催促, 要求今天给出答复。"
    return text


def complaint_rows(
    customers: pd.DataFrame, departments: pd.DataFrame, *, first: int, count: int, today: date, seed: int
) -> pd.DataFrame:
    """`count` complaints with ids first..first+count-1 over the three years before `today`.

    Customers are named by code (60%), by name (25%), by an unknown name (5%) or not at all
    (10%); a department code is given for half of them, so some rows stay unmatched — as in the
    call center's real exports.
    """
    rng = _rng(seed, f"complaints-{first}")
    n = count
    ids = np.char.add("CX", np.char.zfill(np.arange(first, first + n).astype(str), 8)).astype(object)
    end = int((datetime.combine(today, datetime.min.time()) - _EPOCH).total_seconds())
    received = np.sort(end - rng.integers(60, 3 * 365 * 86400, n))
    cust = rng.integers(0, len(customers), n)
    how = rng.random(n)
    codes = customers["code"].to_numpy(dtype=object)[cust]
    names = customers["name"].to_numpy(dtype=object)[cust]
    customer = np.where(how < 0.60, codes, np.where(how < 0.85, names, ""))
    unknown = (how >= 0.85) & (how < 0.90)
    customer[unknown] = "未登记客户" + (cust[unknown] % 997).astype(str).astype(object)
    dept_codes = departments["code"].to_numpy(dtype=object)
    cust_dept = customers["department_code"].to_numpy(dtype=object)[cust]
    department = np.where(rng.random(n) < 0.5, cust_dept, "")
    department[rng.random(n) < 0.002] = dept_codes[0] + "X"  # a mistyped department: unmatched
    category = np.array(vocab.CATEGORIES, dtype=object)[
        rng.choice(len(vocab.CATEGORIES), n, p=vocab.CATEGORY_WEIGHTS)
    ]
    severity = np.array(vocab.SEVERITIES, dtype=object)[rng.choice(3, n, p=vocab.SEVERITY_WEIGHTS)]
    channel = np.array(vocab.CHANNELS, dtype=object)[
        rng.choice(len(vocab.CHANNELS), n, p=vocab.CHANNEL_WEIGHTS)
    ]
    resolved = received + rng.integers(600, 5 * 86400, n)
    open_ = (resolved >= end) | (rng.random(n) < 0.03)
    status = np.where(open_, "处理中", "已结案").astype(object)

    def stamp(seconds: np.ndarray) -> np.ndarray:
        text = pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%dT%H:%M:%S")
        return np.asarray(text, dtype=object)

    return pd.DataFrame(
        {
            "id": ids,
            "received_at": stamp(received),
            "customer_code": customer,
            "department_code": department,
            "category": category,
            "severity": severity,
            "channel": channel,
            "status": status,
            "resolved_at": np.where(open_, "", stamp(resolved)).astype(object),
            "description": _descriptions(rng, category),
        }
    )


def write_complaints(
    path: Path,
    org: Path,
    *,
    rows: int,
    today: date,
    extra: int = 0,
    seed: int = 11,
    chunk: int = 250_000,
) -> Path:
    """The complaint log of `rows` rows (plus `extra` newer ones), reused when already written."""
    stamp = path.with_name(path.name + ".json")
    wanted = {"rows": rows, "extra": extra, "today": today.isoformat(), "seed": seed, "org": str(org)}
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return path
    customers = pd.read_csv(org / "customers.csv", dtype=str, keep_default_na=False)
    departments = pd.read_csv(org / "departments.csv", dtype=str, keep_default_na=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        # The re-export holds the same rows (same seed per chunk), then the new ones at the end.
        for first, count in [(lo, min(chunk, rows - lo)) for lo in range(0, rows, chunk)] + (
            [(rows, extra)] if extra else []
        ):
            frame = complaint_rows(customers, departments, first=first, count=count, today=today, seed=seed)
            frame.to_csv(fh, header=False, index=False, lineterminator="\n")
    tmp.replace(path)
    stamp.write_text(json.dumps(wanted))
    return path
