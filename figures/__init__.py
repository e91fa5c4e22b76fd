"""Figure builders: pure functions from analysis results to Plotly figure dicts and page data.

No Dash callbacks, no Flask, no database: callbacks/ reads the inputs, calls `figures.view`,
and returns what it gives.
"""
