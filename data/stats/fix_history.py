"""The history of label fixes as people and retraining jobs read it (docs/statistics.md, label
fixes and thresholds): every fix with its conflict mark, newest first, filtered; counts per
feature; conflicts; the CSV export.

Pure pandas/numpy over the stored columns (data/storage/labels.py reads them). Definitions
(docs/statistics.md, "Label fixes and thresholds"):
* ground truth: the latest fix per (image, feature) (data.stats.fixes.latest_fixes);
* conflict: the people's own latest fixes of the pair disagree; every fix of such a pair is
  marked, so an export can leave contested pairs out;
* disagrees with the model: the fix says present and the model's value (in the build the fix was
  made against) is not present at the feature's threshold (v > 0 and v >= t), or the other way
  round. A fix whose build had no such image or feature (model value null) disagrees with nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.stats.fixes import latest_fixes

EXPORT_FIELDS = ("image", "feature", "model_value", "present", "by", "at", "build", "note",
                 "conflict")
# Spreadsheet programs run cells starting with these as formulas; text cells get a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_FIELDS = frozenset({"image", "feature", "by", "note"})


@dataclass(frozen=True)
class FixColumns:
    """Every stored fix of an image source, oldest first (the order they were stored); aligned."""

    id: np.ndarray  # int64
    image: list[str]
    feature: list[str]
    present: np.ndarray  # bool
    note: list[str | None]
    person: list[str]
    at: np.ndarray  # datetime64[us], UTC
    model_value: np.ndarray  # float64, NaN = the build had no such image or feature
    build: list[int | None]

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class FixTables:
    """`history`: one row per fix, oldest first, columns id, image, feature, present, note, by,
    at, model_value, build, conflict, latest (this fix is the pair's ground truth now).
    `latest`: data.stats.fixes.latest_fixes of the history (one row per pair)."""

    history: pd.DataFrame
    latest: pd.DataFrame


def fix_tables(fixes: FixColumns) -> FixTables:
    """The history with conflict marks, and the ground truth per pair."""
    history = pd.DataFrame({
        "id": fixes.id, "image": pd.Series(fixes.image, dtype=object),
        "feature": pd.Series(fixes.feature, dtype=object), "present": fixes.present,
        "note": pd.Series(fixes.note, dtype=object), "by": pd.Series(fixes.person, dtype=object),
        "at": fixes.at, "model_value": fixes.model_value,
        "build": pd.Series(fixes.build, dtype=object)})
    latest = latest_fixes(history["image"], history["feature"], history["present"],
                          history["by"], history["at"])
    conflict = np.zeros(len(history), dtype=bool)
    is_latest = np.zeros(len(history), dtype=bool)
    if len(latest):
        is_latest[latest["fix"].to_numpy()] = True
        contested = latest.loc[latest["conflict"], ["image", "feature"]]
        if len(contested):
            keys = pd.MultiIndex.from_frame(history[["image", "feature"]])
            conflict = keys.isin(pd.MultiIndex.from_frame(contested))
    history["conflict"] = conflict
    history["latest"] = is_latest
    return FixTables(history, latest)


def model_present(model_value: np.ndarray, feature: pd.Series | np.ndarray,
                  thresholds: dict[str, float], default: float) -> np.ndarray:
    """The model's presence (v > 0 and v >= t) of each row's value at its feature's threshold
    (`thresholds`, else `default`); False where the value is NaN."""
    v = np.asarray(model_value, dtype=np.float64)
    t = np.array([thresholds.get(f, default) for f in feature], dtype=np.float64) \
        if thresholds else np.full(len(v), default)
    with np.errstate(invalid="ignore"):
        return (v > 0) & (v >= t)


def disagrees(history: pd.DataFrame, thresholds: dict[str, float], default: float) -> np.ndarray:
    """Per fix: it disagrees with the model's presence at the feature's threshold (module doc)."""
    known = ~np.isnan(history["model_value"].to_numpy(dtype=np.float64))
    said = model_present(history["model_value"].to_numpy(dtype=np.float64), history["feature"],
                         thresholds, default)
    return known & (said != history["present"].to_numpy(dtype=bool))


def select_fixes(history: pd.DataFrame, *, since: np.datetime64 | None = None,
                 feature: str | None = None, person: str | None = None,
                 disagree: bool = False, conflicts: bool | None = None,
                 thresholds: dict[str, float] | None = None, threshold: float = 0.0,
                 limit: int | None = None) -> pd.DataFrame:
    """The fixes asked for, newest first (by time, then by the order stored): `since` (at or
    after), one `feature`, one `person`, only those that disagree with the model (at each
    feature's saved threshold, else `threshold`), only (True) or no (False) contested pairs."""
    keep = np.ones(len(history), dtype=bool)
    if since is not None:
        keep &= history["at"].to_numpy() >= since
    if feature is not None:
        keep &= (history["feature"] == feature).to_numpy()
    if person is not None:
        keep &= (history["by"] == person).to_numpy()
    if disagree:
        keep &= disagrees(history, thresholds or {}, threshold)
    if conflicts is not None:
        keep &= history["conflict"].to_numpy() == conflicts
    out = history[keep].sort_values(["at", "id"], ascending=False, kind="stable")
    return out if limit is None else out.head(limit)


def export_records(rows: pd.DataFrame) -> list[dict]:
    """The API's history records (docs/api.md): image, feature, present, model_value (null when
    the build had no such pair), build, by, at (ISO 8601 UTC, milliseconds), note, conflict."""
    at = np.datetime_as_string(rows["at"].to_numpy(dtype="datetime64[ms]"), unit="ms")
    mv = rows["model_value"].to_numpy(dtype=np.float64)
    return [{"image": image, "feature": feature, "present": bool(present),
             "model_value": None if v != v else v, "build": None if build is None else int(build),
             "by": by, "at": when + "Z", "note": note, "conflict": bool(conflict)}
            for image, feature, present, v, build, by, when, note, conflict in zip(
                rows["image"].tolist(), rows["feature"].tolist(), rows["present"].tolist(),
                mv.tolist(), rows["build"].tolist(), rows["by"].tolist(), at.tolist(),
                rows["note"].tolist(), rows["conflict"].tolist())]


def export_csv(records: list[dict]) -> str:
    """The records as CSV (EXPORT_FIELDS; RFC 4180 quoting by the csv module, CRLF line ends):
    empty for null, true/false for flags, numbers at full precision; text that a spreadsheet
    would run as a formula (= + - @ tab CR first) gets a leading '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for r in records:
        writer.writerow([_cell(name, r[name]) for name in EXPORT_FIELDS])
    return out.getvalue()


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if name in _TEXT_FIELDS and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def counts_per_feature(tables: FixTables, thresholds: dict[str, float] | None = None,
                       threshold: float = 0.0) -> pd.DataFrame:
    """Per feature, over the pairs' latest fixes: `pairs` fixed, `present` / `absent`,
    `disagree` (the latest fix disagrees with the model, module doc), `conflicts`, `fixes` (all
    fixes, history included) and `people`; most disagreements first, then most pairs, by name."""
    history = tables.history
    latest = history[history["latest"]]
    wrong = disagrees(latest, thresholds or {}, threshold)
    grouped = pd.DataFrame({"feature": latest["feature"].to_numpy(),
                            "present": latest["present"].to_numpy(dtype=bool),
                            "disagree": wrong,
                            "conflict": latest["conflict"].to_numpy(dtype=bool)}) \
        .groupby("feature", sort=True)
    out = pd.DataFrame({"pairs": grouped.size(), "present": grouped["present"].sum(),
                        "disagree": grouped["disagree"].sum(),
                        "conflicts": grouped["conflict"].sum()})
    out["absent"] = out["pairs"] - out["present"]
    all_fixes = history.groupby("feature", sort=True)
    out["fixes"] = all_fixes.size()
    out["people"] = all_fixes["by"].nunique()
    out = out.reset_index()
    out = out.sort_values(["disagree", "pairs", "feature"], ascending=[False, False, True],
                          kind="stable").reset_index(drop=True)
    return out[["feature", "pairs", "present", "absent", "disagree", "conflicts", "fixes",
                "people"]].astype({c: np.int64 for c in ("pairs", "present", "absent",
                                                          "disagree", "conflicts", "fixes",
                                                          "people")})


def conflicts(tables: FixTables, limit: int | None = None) -> list[dict]:
    """The contested pairs: image, feature, the winning fix (present, by, at) and each person's
    own latest say ({person: present}), most recently touched first."""
    history = tables.history
    contested = history[history["conflict"]]
    if contested.empty:
        return []
    per_person = contested.sort_values(["at", "id"], kind="stable") \
        .drop_duplicates(["image", "feature", "by"], keep="last")
    says: dict[tuple, dict] = {}
    for image, feature, by, present in zip(per_person["image"], per_person["feature"],
                                           per_person["by"], per_person["present"]):
        says.setdefault((image, feature), {})[by] = bool(present)
    winners = history[history["latest"] & history["conflict"]] \
        .sort_values(["at", "id"], ascending=False, kind="stable")
    if limit is not None:
        winners = winners.head(limit)
    at = np.datetime_as_string(winners["at"].to_numpy(dtype="datetime64[s]"), unit="s")
    return [{"image": image, "feature": feature, "present": bool(present), "by": by,
             "at": when + "Z", "people": says[(image, feature)]}
            for image, feature, present, by, when in zip(
                winners["image"], winners["feature"], winners["present"], winners["by"], at)]


def image_fixes(tables: FixTables, image: str) -> pd.DataFrame:
    """Every fix of one image, newest first (the detail panel's history)."""
    history = tables.history
    return history[(history["image"] == image).to_numpy()] \
        .sort_values(["at", "id"], ascending=False, kind="stable")
