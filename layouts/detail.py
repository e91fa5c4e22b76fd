"""Image detail: a panel that opens when a scatter point is clicked."""

from dash import html

from layouts.ids import ids


def layout():
    return html.Div([html.Div(id=ids.DETAIL), html.Div(id=ids.DETAIL_BODY)])
