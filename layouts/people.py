"""The People page (/people): do people's favourites get clicked? Each image's CTR against
people's mean score or strength, with the correlations; a click on a point shows the image.
callbacks/people.py fills it, figures/people.py draws it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from figures.people import MEASURES
from layouts.judging import source_picker


class ids:  # noqa: N801 - used as a namespace
    URL = "people-url"
    SOURCE = "people-source"
    SOURCE_LABEL = "people-source-label"
    MEASURE = "people-measure"  # score | strength
    MEASURE_LABEL = "people-measure-label"
    GRAPH = "people-graph"
    STATS = "people-stats"
    DETAIL = "people-detail"


def layout(services) -> dbc.Container:
    return dbc.Container([
        dcc.Location(id=ids.URL, refresh=False),
        html.H1("Do people's favourites get clicked?", className="h4 mt-3 mb-1"),
        html.P("Each point is an image with both a CTR and people's judgement. Click one to see "
               "it.", className="text-muted small"),
        dbc.Row([
            dbc.Col(source_picker(ids.SOURCE, ids.SOURCE_LABEL), md=8),
            dbc.Col(html.Div([
                html.Span("People's measure", id=ids.MEASURE_LABEL,
                          className="form-label small fw-semibold d-block mb-1"),
                html.Div(dbc.RadioItems(id=ids.MEASURE, value="score", inline=True,
                                        name=ids.MEASURE,
                                        options=[{"label": text, "value": key}
                                                 for key, text in MEASURES.items()]),
                         role="radiogroup", **{"aria-labelledby": ids.MEASURE_LABEL}),
            ], className="mb-2"), md=4),
        ]),
        html.Ul(id=ids.STATS, className="list-unstyled fw-semibold mb-1"),
        dbc.Row([
            dbc.Col(dcc.Graph(id=ids.GRAPH, config={"displaylogo": False}), lg=8),
            dbc.Col(html.Div(id=ids.DETAIL, className="people-detail"), lg=4),
        ]),
    ], className="judge-page pb-4")


def detail(name: str, picture, rows: list[tuple[str, str]]) -> list:
    """The clicked image: name, picture, and its numbers (every value passed as text)."""
    return [html.H2(name, className="h6 text-break"), picture,
            html.Dl([part for key, value in rows for part in (html.Dt(key), html.Dd(value))],
                    className="mt-2")]
