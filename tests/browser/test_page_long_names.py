"""Names longer than anything the API now accepts (stored before the limits, or by another
tool) still draw at once: axes and hovers carry at most 40 / 60 characters, unique per axis;
the table keeps the whole name. A 2,500-character feature name used to take Chromium 45 s to
draw, and the landing page picked that dataset by default."""

from __future__ import annotations

import numpy as np

from data.domain.matrix import FeatureTable, matrix_from_table
from data.payloads.metrics import MetricRow
from figures.base import AXIS_NAME_CHARS, HOVER_NAME_CHARS
from layouts.dashboard.ids import ids
from tests.browser.dashboard import figure, wait_until

N_IMAGES = 40
# Four long names sharing their first 9,000 characters (their axis labels must stay apart),
# and two short ones.
LONG = ["w" * 9_000 + f"-{k}-" + "z" * 995 for k in range(4)]
FEATURES = LONG + ["red", "dog"]
IMAGE = "i" * 10_000  # one long image name, in the hover


def _stored_past_the_limits(store) -> None:
    """Store a build whose names break today's limits, as an older server or a script could."""
    images = [IMAGE] + [f"img {i}.png" for i in range(1, N_IMAGES)]
    rows = np.repeat(np.arange(N_IMAGES), len(FEATURES))
    cols = np.tile(np.arange(len(FEATURES)), N_IMAGES)
    values = np.random.default_rng(3).uniform(0.05, 1.0, len(rows))
    matrix = matrix_from_table(FeatureTable(images, FEATURES, rows, cols, values))
    store.put_build("Long names", "covers", matrix)
    store.put_metrics("Long names", "covers",
                      [MetricRow(name, 1000, 10 + i, None) for i, name in enumerate(images)])


def test_long_names_draw_at_once_shortened_on_axes_and_whole_in_the_table(
        dash_duo, dashboard_app, page_port):
    app = dashboard_app(load_demo=False, live_poll_ms=600_000)
    _stored_past_the_limits(app.server.extensions["image_dashboard"].store)
    dash_duo.start_server(app, port=page_port)

    # Before: the tab crashed after minutes. Now it draws like any page (seconds; the generous
    # wait is for a loaded CI machine, where even short names take ~20 s).
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/?top_k=all")  # the landing page's pick
    scatter = wait_until(lambda: (lambda f: f if f and f["data"] and f["data"][0]["x"] else None)(
        figure(dash_duo, ids.SCATTER)), timeout=60, message="the scatter drawn")

    categories = scatter["layout"]["categories"]
    assert len(categories) == len(FEATURES) == len(set(categories))
    assert max(map(len, categories)) <= AXIS_NAME_CHARS
    assert max(len(t) for t in scatter["data"][0]["text"]) <= HOVER_NAME_CHARS
    bars = wait_until(lambda: figure(dash_duo, ids.BAR_IMPACT), message="the bars drawn")
    assert bars["layout"]["categories"] == categories

    rows = wait_until(lambda: dash_duo.driver.execute_script(
        "const api = window.dash_ag_grid.getApi(arguments[0]); const rows = [];"
        "api.forEachNodeAfterFilterAndSort(n => rows.push(n.data.feature)); return rows;",
        ids.TABLE), message="the table's rows")
    assert sorted(rows) == sorted(FEATURES)  # whole names
    assert dash_duo.get_logs() == []
