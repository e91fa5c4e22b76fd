"""The Compare page (/compare): 2 or 4 images side by side; a click or a key (1–4, or ← / → for
a pair) picks the better one, and the next set is the one that teaches most (docs/statistics.md, "Human judgements").
callbacks/compare.py drives it; assets/judge.js turns keys into clicks and reports pictures that
fail to load, which are replaced."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.judging import key_button, note, source_picker


class ids:  # noqa: N801 - used as a namespace
    URL = "compare-url"
    SOURCE = "compare-source"
    SOURCE_LABEL = "compare-source-label"
    SIZE = "compare-size"  # 2 or 4 images per round
    SIZE_LABEL = "compare-size-label"
    STATE = "compare-state"  # {"source", "size", "shown": [names], "excluded": [names]}
    BROKEN = "compare-broken"  # {"image", "at"}: written by assets/judge.js
    SET = "compare-set"  # the pictures of this round
    PICK = "compare-pick"  # pattern: {"type": PICK, "slot": 0..3}
    SKIP = "compare-skip"
    PROGRESS = "compare-progress"
    NOTE = "compare-note"


def layout(services) -> dbc.Container:
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=ids.BROKEN),
        html.H1("Compare images", className="h4 mt-3 mb-1"),
        html.P(["Pick the better image: click it, or press its number (", html.Kbd("1"), "–",
                html.Kbd("4"), "; for a pair also ", html.Kbd("←"), " / ", html.Kbd("→"),
                "). ", html.Kbd("s"), " skips the round. Images compared least come first, "
                "against others of close strength."], className="text-muted small"),
        dbc.Row([
            dbc.Col(source_picker(ids.SOURCE, ids.SOURCE_LABEL), md=8),
            dbc.Col(html.Div([
                html.Span("Images per round", id=ids.SIZE_LABEL,
                          className="form-label small fw-semibold d-block mb-1"),
                html.Div(dbc.RadioItems(id=ids.SIZE, value=2, inline=True, name=ids.SIZE,
                                        options=[{"label": "2 (a pair)", "value": 2},
                                                 {"label": "4 (best of four)", "value": 4}]),
                         role="radiogroup", **{"aria-labelledby": ids.SIZE_LABEL}),
            ], className="mb-2"), md=4),
        ]),
        html.Div(id=ids.PROGRESS, className="fw-semibold mb-2"),
        html.Div([
            html.Div(id=ids.SET),
            key_button("Skip this round", "s", "s", ids.SKIP, "btn-link mt-1"),
        ], className="judge-keys"),
        note(ids.NOTE),
    ], className="judge-page pb-4")


def pick_button(slot: int, size: int, name: str, picture) -> html.Button:
    """One image of the round as a button: a click or its key picks it."""
    keys = str(slot + 1) + ({0: " ArrowLeft", 1: " ArrowRight"}.get(slot, "") if size == 2 else "")
    hint = str(slot + 1) + ({0: " / ←", 1: " / →"}.get(slot, "") if size == 2 else "")
    return html.Button([picture, html.Div([html.Kbd(hint, className="me-2"),
                                           html.Span(name, className="text-break")],
                                          className="small mt-1")],
                       id={"type": ids.PICK, "slot": slot}, type="button",
                       className="compare-pick", **{"data-keys": keys,
                                                    "aria-label": f"Pick {name} (key {slot + 1})"})
