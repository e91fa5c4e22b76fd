"""The Rate page (/rate): one image at a time, large; keys 1–9 and 0 (= 10) score it, `s` skips,
`b` goes back to re-rate; optionally a predicted score to nudge with −−, −, +, ++ (docs/statistics.md, "Human judgements").
callbacks/rate.py drives it; assets/judge.js turns keys into button presses and reports
pictures that fail to load."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from figures.judging import NUDGES, PREDICT_NONE
from layouts.judging import key_button, note, source_picker


class ids:  # noqa: N801 - used as a namespace
    URL = "rate-url"
    SOURCE = "rate-source"
    SOURCE_LABEL = "rate-source-label"
    MODE = "rate-mode"  # predicted score: none, people's mean, a feature scaled to 1–10
    MODE_LABEL = "rate-mode-label"
    STATE = "rate-state"  # {"source", "current", "skipped": [...], "history": [...]}
    BROKEN = "rate-broken"  # {"image", "at"}: written by assets/judge.js when a picture fails
    PROGRESS = "rate-progress"
    NAME = "rate-image-name"
    PICTURE = "rate-picture"
    SCORE = "rate-score"  # pattern: {"type": SCORE, "score": 1..10}
    NUDGE = "rate-nudge"  # pattern: {"type": NUDGE, "step": -2, -1, 0 (accept), 1, 2}
    PREDICTED = "rate-predicted"
    SKIP = "rate-skip"
    BACK = "rate-back"
    NOTE = "rate-note"


NUDGE_KEYS = {-2: ("[", "["), -1: ("-", "−"), 0: ("Enter", "Enter"), 1: ("= +", "+"),
              2: ("]", "]")}


def layout(services) -> dbc.Container:
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=ids.BROKEN),
        html.H1("Rate images", className="h4 mt-3 mb-1"),
        html.P(["Score each image from 1 to 10: keys ", html.Kbd("1"), "–", html.Kbd("9"),
                ", and ", html.Kbd("0"), " for 10. ", html.Kbd("s"), " skips, ", html.Kbd("b"),
                " goes back to re-rate. Images with the fewest ratings come first."],
               className="text-muted small"),
        dbc.Row([
            dbc.Col(source_picker(ids.SOURCE, ids.SOURCE_LABEL), md=6),
            dbc.Col(html.Div([
                html.Label("Predicted score to nudge", id=ids.MODE_LABEL, htmlFor=ids.MODE,
                           className="form-label small fw-semibold mb-1"),
                dcc.Dropdown(id=ids.MODE, clearable=False, value=PREDICT_NONE,
                             options=[{"label": "none", "value": PREDICT_NONE}]),
            ], className="mb-2"), md=6),
        ]),
        html.Div(id=ids.PROGRESS, className="fw-semibold"),
        html.H2(id=ids.NAME, className="h6 text-break my-2"),
        html.Div(id=ids.PICTURE, className="mb-2"),
        html.Div([
            html.Div([key_button(str(n), str(n % 10), str(n % 10), {"type": ids.SCORE, "score": n},
                                 "btn-outline-primary me-1 mb-1", label=f"Score {n}")
                      for n in range(1, 11)], className="judge-score-buttons"),
            html.Div([
                html.Span(id=ids.PREDICTED, className="me-2"),
                *[key_button(NUDGES.get(step, "accept"), keys, hint,
                             {"type": ids.NUDGE, "step": step},
                             "btn-sm btn-outline-secondary me-1", disabled=True,
                             label="Accept the predicted score" if step == 0 else
                             f"Predicted score {step:+d}")
                  for step, (keys, hint) in NUDGE_KEYS.items()],
            ], className="my-2 d-flex align-items-center flex-wrap"),
            key_button("Skip", "s", "s", ids.SKIP, "btn-link me-2"),
            key_button("Back", "b", "b", ids.BACK, "btn-link"),
        ], className="judge-keys"),
        note(ids.NOTE),
    ], className="judge-page pb-4")
