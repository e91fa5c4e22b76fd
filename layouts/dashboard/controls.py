"""The controls: which dataset (business → image source → build) and how to look at it
(confidence threshold, sparsity range, top-K, sort order, pinned and excluded features).

callbacks/dashboard/selectors.py fills the selectors; callbacks/dashboard/filters.py sets the sliders' ranges for the
build on screen and folds every control into ids.FILTERS.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.domain.filters import (ALL_FEATURES, CURRENT, DEFAULT_MIN_GROUP, DEFAULT_OUTCOME,
                                 DEFAULT_RANK, DEFAULT_TOP_K, DEFAULT_WEIGHT, OUTCOMES, RANKS,
                                 SORTS, WEIGHTS)
from layouts.dashboard.ids import ids

TOP_K_CHOICES = (10, 20, 30, 50, 100, 200)


def top_k_options(asked: int | None = None) -> list[dict]:
    """The top-K choices, plus the one a URL asked for when it is not among them (top_k=15)."""
    ks = sorted(set(TOP_K_CHOICES) | ({asked} if isinstance(asked, int) else set()))
    return [{"label": str(k), "value": k} for k in ks] + [{"label": "all", "value": ALL_FEATURES}]


def selectors(hidden: bool = False) -> html.Div:
    """Business → image source → build. Hidden in embed mode (a portal fixes the dataset)."""
    return html.Div(dbc.Row([
        dbc.Col(_field("Business", dcc.Dropdown(id=ids.BUSINESS, clearable=False,
                                                placeholder="No business yet")), md=4),
        dbc.Col(_field("Image source", dcc.Dropdown(id=ids.IMAGE_SOURCE, clearable=False,
                                                    placeholder="No image source yet")), md=4),
        dbc.Col(_field("Build", dcc.Dropdown(id=ids.BUILD, clearable=False, value=CURRENT,
                                             placeholder="No build yet")), md=4),
    ], className="g-3"), id=ids.SELECTORS_PANEL, className="selectors-panel mb-2", hidden=hidden)


def filters(locked: tuple[str, ...] = ()) -> dbc.Card:
    """The analysis controls; their values travel in the URL (data/domain/filters.py).
    `locked` filters (an embed link's: threshold, min_pct, max_pct) are shown but disabled."""
    sparsity_locked = "min_pct" in locked or "max_pct" in locked
    return dbc.Card(dbc.CardBody([
        dbc.Row([
            dbc.Col([
                _field("Confidence threshold", dcc.Slider(
                    id=ids.CONFIDENCE, min=0, max=1, step=0.01, value=0,
                    marks={0: "0", 0.5: "0.5", 1: "1"}, updatemode="mouseup",
                    tooltip={"placement": "bottom", "always_visible": False},
                    allow_direct_input=True, disabled="threshold" in locked)),
                html.Small(id=ids.THRESHOLD_NOTE, className="text-muted"),
                html.Div([
                    html.Span("Outcome", id=ids.OUTCOME + "-label",
                              className="form-label small fw-semibold me-2"),
                    html.Div(dbc.RadioItems(id=ids.OUTCOME, value=DEFAULT_OUTCOME, inline=True,
                                            name=ids.OUTCOME,
                                            options=[{"label": text, "value": key}
                                                     for key, text in OUTCOMES.items()],
                                            className="small"),
                             role="radiogroup", className="d-inline-block",
                             **{"aria-labelledby": ids.OUTCOME + "-label"}),
                ], className="mt-1"),
                label_switches(),
            ], lg=4),
            dbc.Col([
                _field("Sparsity: keep features present in (% of images)", dcc.RangeSlider(
                    id=ids.SPARSITY, min=0, max=100, step=0.5, value=[0, 100],
                    marks={v: f"{v}%" for v in (0, 25, 50, 75, 100)}, updatemode="mouseup",
                    tooltip={"placement": "bottom", "always_visible": False},
                    allow_direct_input=True, pushable=0, disabled=sparsity_locked)),
                html.Small(id=ids.SPARSITY_NOTE, className="text-muted"),
                html.Small(" · small shares: type them in the boxes, e.g. 0.2 to 5",
                           className="text-muted"),
            ], lg=4),
            dbc.Col([
                dbc.Row([
                    dbc.Col(_field("Top-K", dcc.Dropdown(
                        id=ids.TOP_K, clearable=False, value=DEFAULT_TOP_K,
                        options=top_k_options())), width=5),
                    dbc.Col(_field("Order", dcc.Dropdown(
                        id=ids.SORT, clearable=False, value="impact",
                        options=[{"label": text, "value": key} for key, text in SORTS.items()])),
                        width=7),
                ], className="g-2"),
                html.Div([
                    html.Small(id=ids.TOP_K_NOTE, className="text-muted me-2"),
                    dbc.Button("show all", id=ids.SHOW_ALL, size="sm", color="link",
                               className="p-0 align-baseline d-none"),
                ]),
            ], lg=4),
        ], className="g-4"),
        dbc.Row([
            dbc.Col(_field("Pin (always show)", dcc.Dropdown(
                id=ids.PINNED, multi=True, value=[], placeholder="features to keep on the axis")),
                md=6),
            dbc.Col(_field("Exclude", dcc.Dropdown(
                id=ids.EXCLUDED, multi=True, value=[], placeholder="features to leave out")),
                md=6),
        ], className="g-3 mt-1"),
        dbc.Row([
            dbc.Col(_field("Rank the top-K by", dcc.Dropdown(
                id=ids.RANK, clearable=False, value=DEFAULT_RANK,
                options=[{"label": text, "value": key} for key, text in RANKS.items()])), md=4),
            dbc.Col(_field("Images each group needs to be ranked", dcc.Dropdown(
                id=ids.MIN_GROUP, clearable=False, value=DEFAULT_MIN_GROUP,
                options=[{"label": str(k), "value": k}
                         for k in sorted({0, 2, 5, DEFAULT_MIN_GROUP, 20, 50, 100})])), md=3),
            dbc.Col(_field("Weigh images", dcc.Dropdown(
                id=ids.WEIGHT, clearable=False, value=DEFAULT_WEIGHT,
                options=[{"label": text, "value": key} for key, text in WEIGHTS.items()])), md=3),
            dbc.Col(dbc.Switch(id=ids.ADJUST, label="adjusted impact", value=True,
                               className="mt-4"), md=2),
        ], className="g-3 mt-1"),
        html.Small([
            "Seed settings: threshold 0.2, rank by |impact|, 0 images per group. ",
            html.Span(id=ids.ADJUST_HELP, children=(
                "Adjusted impact (◆): each feature's effect with the other features shown held "
                "fixed (a regression on which features are present). When it is much smaller "
                "than the raw bar, the feature mostly rides along with another one; ⇄ marks a "
                "sign that flips.")),
        ], className="text-muted d-block mt-2"),
    ]), className="filters-panel mb-3")


def label_switches() -> html.Div:
    """Apply people's label fixes; cut features with a saved threshold there (docs/statistics.md, label fixes and thresholds)."""
    return html.Div([
        dbc.Switch(id=ids.APPLY_FIXES, label="Apply label fixes", value=False,
                   className="me-3 mb-0 small"),
        dbc.Switch(id=ids.THRESHOLD_MODE, label="Per-feature thresholds", value=False,
                   className="mb-0 small"),
    ], className="d-flex flex-wrap mt-1 label-switches")


def _field(label: str, control) -> html.Div:
    return html.Div([dbc.Label(label, className="form-label small fw-semibold mb-1"), control],
                    className="mb-1")
