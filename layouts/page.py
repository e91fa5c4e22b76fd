"""Placeholder page until the dashboard lands."""

from dash import html


def layout():
    return html.Div([html.H1("Image Model Dashboard"),
                     html.P("The API is up; the dashboard page is being built.")])
