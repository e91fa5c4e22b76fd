"""Upload: features JSON and metrics CSV/JSON sent from the browser straight to the API."""

from dash import dcc, html

from layouts.ids import ids


def layout():
    return html.Div([html.Div(id=ids.UPLOAD), dcc.Store(id=ids.UPLOAD_DONE)])
