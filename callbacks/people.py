"""The People page's callbacks: the image sources, the scatter with its correlations, and the
image a click on a point shows."""

from __future__ import annotations

from dash import Input, Output, State, html, no_update

from data.domain.errors import DomainError
from data.domain.filters import parse_query
from data.stats.correlation import pearson, spearman
from figures.dashboard.detail import image_detail, picture_url
from figures.judging import chosen_source, source_of, source_options
from figures.people import correlation_text, people_figure
from layouts import people
from layouts.judging import picture
from layouts.people import ids


def register(app, services) -> None:
    @app.callback(Output(ids.SOURCE, "options"), Output(ids.SOURCE, "value"),
                  Input(ids.URL, "search"))
    def fill_sources(search):
        options = source_options(services.cache.datasets())
        asked = parse_query(search)
        return options, chosen_source(options, asked["business"], asked["image_source"])

    @app.callback(Output(ids.GRAPH, "figure"), Output(ids.STATS, "children"),
                  Output(ids.DETAIL, "children"),
                  Input(ids.SOURCE, "value"), Input(ids.MEASURE, "value"))
    def draw(source, measure):
        chosen = source_of(source)
        if chosen is None:
            return no_update, [], []
        try:
            ds = services.cache.get(*chosen)
        except DomainError as exc:
            return no_update, [exc.message], []
        names = ds.matrix.image_names
        board = services.scores.scoreboard(ds.source)
        judged = board.values(measure, names)
        ctr = ds.index.y
        stats = [html.Li(correlation_text(c(ctr, judged))) for c in (pearson, spearman)]
        return people_figure(names, ctr, judged, measure), stats, []

    @app.callback(Output(ids.DETAIL, "children", allow_duplicate=True),
                  Input(ids.GRAPH, "clickData"), State(ids.SOURCE, "value"),
                  prevent_initial_call=True)
    def show(click, source):
        points = (click or {}).get("points") or []
        chosen = source_of(source)
        if not points or chosen is None:
            return no_update
        try:
            ds = services.cache.get(*chosen)
        except DomainError as exc:
            return [exc.message]
        name = points[0].get("customdata")
        if name not in ds.matrix.image_names:
            return ["That image is not in the build on screen any more."]
        d = image_detail(ds, ds.matrix.image_names.index(name), services.scores.scoreboard(
            ds.source), k=0)
        rows = [("CTR", "no CTR" if d.ctr is None else f"{d.ctr:.3%}"),
                ("Impressions / clicks", "—" if d.impressions is None
                 else f"{d.impressions:,} / {d.clicks:,}"),
                ("Mean score", "not rated" if d.mean_score is None else
                 f"{d.mean_score:.2f} from {d.ratings} rater(s)"
                 + (f", 95% CI {d.score_ci[0]:.2f}–{d.score_ci[1]:.2f}" if d.score_ci else "")),
                ("Strength", "not compared" if d.strength is None else f"{d.strength:+.2f}"
                 + (f", 95% CI {d.strength_ci[0]:+.2f} to {d.strength_ci[1]:+.2f}"
                    if d.strength_ci else ""))]
        return people.detail(name, picture(name, picture_url(ds.source.url_template, name),
                                           "", "side"), rows)
