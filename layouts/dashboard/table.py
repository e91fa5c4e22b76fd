"""Feature table: the features API columns for exactly the features the filters show, sortable,
with a CSV download of what is shown (callbacks/table.py fills it)."""

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from figures.dashboard.table import column_defs
from layouts.dashboard.ids import ids


def layout():
    return html.Div([
        html.Div([
            html.H5("Features", className="mb-0 me-3"),
            html.Small(id=ids.TABLE_NOTE, className="text-muted me-auto"),
            dbc.Button("Download CSV", id=ids.TABLE_CSV_BUTTON, size="sm", color="secondary",
                       outline=True),
        ], className="d-flex align-items-center mb-2"),
        dag.AgGrid(
            id=ids.TABLE,
            rowData=[],
            columnDefs=column_defs(),
            defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True,
                           "autoHeaderHeight": True},
            # Feature names are unique within a build; keeping row identity keeps sort and
            # scroll steady while the filters move.
            getRowId="params.data.feature",
            rowClassRules={"feature-table-significant":
                           "params.data.q_value != null && params.data.q_value < 0.05"},
            dashGridOptions={"animateRows": False, "tooltipShowDelay": 300, "rowHeight": 32},
            style={"height": "420px"},
            className="feature-table",
        ),
        dcc.Download(id=ids.TABLE_CSV),
    ], className="feature-table-part my-3")
