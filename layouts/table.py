"""Feature table: the features API columns for the features the filters show, with a CSV export."""

from dash import dcc, html

from layouts.ids import ids


def layout():
    return html.Div([html.Div(id=ids.TABLE_NOTE), html.Div(id=ids.TABLE),
                     dcc.Download(id=ids.TABLE_CSV)], className="feature-table-part")
