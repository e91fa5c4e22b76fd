"""The feature table's columns, rows and CSV export: pure, no Dash.

Rows are the features API records (docs/api.md) of the features the page shows; the CSV holds the
same rows and columns at full precision, in the order the grid shows them.
"""

from __future__ import annotations

import csv
import io
import re

from data.stats.features import STAT_COLUMNS

# d3-format specifiers (dash-ag-grid ships d3-format) per column; null shows as an em dash.
# CTRs and impacts show in percent like the charts; the CSV keeps the API's fractions.
_FORMATS = {
    "n_with": ",d", "n_without": ",d", "prevalence_pct": ".1f",
    "ctr_with": ".2%", "ctr_without": ".2%", "impact": "+.2%", "ci_low": "+.2%", "ci_high": "+.2%",
    "p_value": ".3~g", "q_value": ".3~g",
}
_HEADERS = {
    "feature": ("Feature", "The feature's name, as the featurizer sent it"),
    "n_with": ("Images with", "Images with an outcome in which the feature is present"),
    "n_without": ("Images without", "Images with an outcome in which it is absent"),
    "prevalence_pct": ("Prevalence %", "100 × images with / images with an outcome"),
    "ctr_with": ("CTR with", "Mean CTR of the images with the feature"),
    "ctr_without": ("CTR without", "Mean CTR of the images without it"),
    "impact": ("Impact", "CTR with − CTR without"),
    "ci_low": ("CI low", "Welch 95% confidence interval of the impact, lower end"),
    "ci_high": ("CI high", "Welch 95% confidence interval of the impact, upper end"),
    "p_value": ("p", "Welch two-sided p-value"),
    "q_value": ("q", "Benjamini–Hochberg adjusted p-value over the features shown by the API"),
}
# Spreadsheet programs run cells starting with these as formulas; such names get a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def column_defs() -> list[dict]:
    """AG Grid column definitions for the features API columns (numbers right-aligned), then a
    link to the feature's history."""
    defs = []
    for name in STAT_COLUMNS:
        header, tip = _HEADERS[name]
        col = {"field": name, "headerName": header, "headerTooltip": tip}
        if name == "feature":
            col.update(pinned="left", minWidth=160, flex=2)
        else:
            col.update(type="numericColumn", minWidth=96, flex=1, valueFormatter={
                "function": f"params.value == null ? '—' : d3.format('{_FORMATS[name]}')(params.value)"})
        defs.append(col)
    # The feature across builds (the history page): a link drawn by assets/history_link.js.
    defs.append({"colId": "history", "field": "feature", "headerName": "Over builds",
                 "headerTooltip": "The feature's prevalence and impact in every build",
                 "cellRenderer": "HistoryLink", "sortable": False, "minWidth": 90, "flex": 1})
    return defs


def csv_text(rows: list[dict]) -> str:
    """The rows as CSV: a header of the API field names, nulls empty, numbers at full precision."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STAT_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(name, row.get(name)) for name in STAT_COLUMNS])
    return out.getvalue()


def _csv_cell(name: str, value) -> str:
    if value is None:
        return ""
    if name == "feature":
        text = str(value)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return repr(value) if isinstance(value, float) else str(value)


def csv_filename(business: str, image_source: str, build: int | None, threshold: float) -> str:
    """A file name that says what the export holds, safe on every file system."""
    parts = [business, image_source, f"build{build}" if build is not None else "current",
             f"t{threshold:g}"]
    safe = "_".join(re.sub(r"[^\w.-]+", "-", p, flags=re.UNICODE).strip("-.") or "x" for p in parts)
    return f"features_{safe[:150]}.csv"
