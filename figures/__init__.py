"""Figure builders: pure functions from analysis results to Plotly figure dicts and page data.

No Dash, no Flask, no database: a page's callbacks read the inputs, call its figures module
(figures/dashboard/view.py for the dashboard) and return what it gives. figures/base.py holds
what every chart shares.
"""
