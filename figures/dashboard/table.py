"""The feature table's columns, rows and CSV export: pure, no Dash.

Rows are the features API records (docs/api.md) of the features the page shows; the CSV holds the
same rows and columns at full precision, in the order the grid shows them.
"""

from __future__ import annotations

from data.stats.features import STAT_COLUMNS
from data.stats.table_csv import features_csv, features_csv_filename
from figures.dashboard.outcome import OutcomeLook, look as outcome_look

# d3-format specifiers (dash-ag-grid ships d3-format) per column; null shows as an em dash.
# CTRs and impacts show in percent like the charts; the CSV keeps the API's fractions.
# Impacts show in percentage points (pp), like the impact chart; p and q in one notation.
_FORMATS = {
    "n_with": ",d", "n_without": ",d", "prevalence_pct": ".1f",
    "ctr_with": ".2%", "ctr_without": ".2%", "p_value": ".2~g", "q_value": ".2~g",
    "adjusted_p_value": ".2~g", "lift": "+.0%", "threshold": ".4~g",
}
_PP = ("impact", "ci_low", "ci_high", "adjusted_impact", "adjusted_ci_low", "adjusted_ci_high")
_HEADERS = {
    "feature": ("Feature", "The feature's name, as the featurizer sent it"),
    "n_with": ("Images with", "Images with an outcome in which the feature is present"),
    "n_without": ("Images without", "Images with an outcome in which it is absent"),
    "prevalence_pct": ("Prevalence %", "100 × images with / images with an outcome"),
    "ctr_with": ("CTR with", "Mean CTR of the images with the feature"),
    "ctr_without": ("CTR without", "Mean CTR of the images without it"),
    "impact": ("Impact (pp)", "CTR with − CTR without, in percentage points"),
    "lift": ("Lift", "Relative lift: impact / CTR without"),
    "ci_low": ("CI low", "Welch 95% confidence interval of the impact, lower end"),
    "ci_high": ("CI high", "Welch 95% confidence interval of the impact, upper end"),
    "p_value": ("p", "Welch two-sided p-value"),
    "q_value": ("q", "Benjamini–Hochberg adjusted p-value over the features shown by the API"),
    "threshold": ("Threshold", "The threshold this feature was cut at: its saved one, or the "
                               "slider's (per-feature thresholds on)"),
    "adjusted_impact": ("Adjusted (pp)", "Impact with the other features shown held fixed "
                                         "(OLS on presence indicators, docs/statistics.md)"),
    "adjusted_ci_low": ("Adj. CI low", "HC3 95% interval of the adjusted impact, lower end"),
    "adjusted_ci_high": ("Adj. CI high", "HC3 95% interval of the adjusted impact, upper end"),
    "adjusted_p_value": ("Adj. p", "p-value of the adjusted impact (t, n − k d.f.)"),
    "adjusted_note": ("Adjusted note", "Why a feature has no adjusted estimate"),
}
THRESHOLD_COLUMN = "threshold"  # only with per-feature thresholds: the threshold each row used
TABLE_COLUMNS = STAT_COLUMNS[:7] + ("lift",) + STAT_COLUMNS[7:] + (
    "adjusted_impact", "adjusted_ci_low", "adjusted_ci_high", "adjusted_p_value", "adjusted_note")


# Formats of the outcome columns (means; differences) when the outcome is people's judgement.
_JUDGED_FORMATS = {"score": (".2f", "+.2f"), "strength": ("+.2f", "+.2f")}
_MEANS, _DIFFERENCES = ("ctr_with", "ctr_without"), ("impact", "ci_low", "ci_high")


def column_defs(look: OutcomeLook | None = None, with_threshold: bool = False) -> list[dict]:
    """AG Grid column definitions for the features API columns (numbers right-aligned); the
    outcome columns keep the API's field names and say which outcome they hold; then a link to
    the feature's history."""
    look = look or outcome_look(None)
    formats = dict(_FORMATS)
    if look.key in _JUDGED_FORMATS:
        mean, difference = _JUDGED_FORMATS[look.key]
        formats.update({k: mean for k in _MEANS}, **{k: difference for k in _DIFFERENCES})
    defs = []
    for name in TABLE_COLUMNS + ((THRESHOLD_COLUMN,) if with_threshold else ()):
        header, tip = _HEADERS[name]
        if look.key != "ctr":
            header, tip = header.replace("CTR", look.name), tip.replace("CTR", look.name)
        col = {"field": name, "headerName": header, "headerTooltip": tip}
        if name == "feature":
            col.update(pinned="left", minWidth=160, flex=2)
        elif name == "adjusted_note":
            col.update(minWidth=160, flex=2)
        elif name in _PP and look.key == "ctr":
            col.update(type="numericColumn", minWidth=96, flex=1, valueFormatter={
                "function": "params.value == null ? '—' : "
                            "d3.format('+.2f')(params.value * 100) + ' pp'"})
        elif name == "lift":
            col.update(type="numericColumn", minWidth=80, flex=1, valueGetter={
                "function": "params.data && params.data.ctr_without ? "
                            "params.data.impact / params.data.ctr_without : null"},
                valueFormatter={"function": "params.value == null ? '—' : "
                                            "d3.format('+.0%')(params.value)"})
        else:
            formats.setdefault(name, "+.2f")
            col.update(type="numericColumn", minWidth=96, flex=1, valueFormatter={
                "function": f"params.value == null ? '—' : d3.format('{formats[name]}')(params.value)"})
        defs.append(col)
    # The feature across builds (the history page): a link drawn by assets/history_link.js.
    defs.append({"colId": "history", "field": "feature", "headerName": "Over builds",
                 "headerTooltip": "The feature's prevalence and impact in every build",
                 "cellRenderer": "HistoryLink", "sortable": False, "minWidth": 90, "flex": 1,
                 "pinned": "left"})  # beside the name: always drawn, however many columns
    return defs


def csv_text(rows: list[dict]) -> str:
    """The rows as CSV: the same bytes as the API's `format=csv` for these rows."""
    return features_csv(rows)


def csv_filename(business: str, image_source: str, build: int | None, threshold: float,
                 filters: dict | None = None) -> str:
    """A file name that says what the export holds (data/stats/table_csv.py)."""
    return features_csv_filename(business, image_source, build, threshold, filters)
