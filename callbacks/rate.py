"""The Rate page's callbacks: which image sources, the predicted-score choices, and one callback
that takes every key / click (score, nudge, skip, back, a picture that failed) and shows the
next image. A score is stored at once under the person's name (data/storage/judgements.py)."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, html, no_update

from api.people import current_person
from data.domain.errors import DomainError
from data.domain.filters import parse_query
from data.payloads.judgements import RatingRow
from figures.dashboard.detail import picture_url
from figures.judging import (NO_NAME, PREDICT_FEATURE, PREDICT_MEAN, PREDICT_NONE, chosen_source,
                             counts_for, next_image, nudged, predicted_score, progress_text,
                             source_of, source_options)
from layouts.judging import picture
from layouts.rate import ids

OUTPUTS = {
    "state": Output(ids.STATE, "data"),
    "picture": Output(ids.PICTURE, "children"),
    "name": Output(ids.NAME, "children"),
    "progress": Output(ids.PROGRESS, "children"),
    "note": Output(ids.NOTE, "children"),
    "predicted": Output(ids.PREDICTED, "children"),
    "nudge_disabled": Output({"type": ids.NUDGE, "step": ALL}, "disabled"),
}


def register(app, services) -> None:
    @app.callback(Output(ids.SOURCE, "options"), Output(ids.SOURCE, "value"),
                  Input(ids.URL, "search"))
    def fill_sources(search):
        options = source_options(services.cache.datasets())
        asked = parse_query(search)
        return options, chosen_source(options, asked["business"], asked["image_source"])

    @app.callback(Output(ids.MODE, "options"), Input(ids.SOURCE, "value"))
    def fill_modes(value):
        options = [{"label": "none", "value": PREDICT_NONE},
                   {"label": "people's mean score (unrated: its look-alikes')",
                    "value": PREDICT_MEAN}]
        chosen = source_of(value)
        if chosen is not None:
            try:
                ds = services.cache.get(*chosen)
            except DomainError:
                return options
            options += [{"label": f"feature “{f}”, scaled to 1–10", "value": PREDICT_FEATURE + f}
                        for f in ds.matrix.feature_names]
        return options

    @app.callback(output=OUTPUTS, inputs={
        "source": Input(ids.SOURCE, "value"), "mode": Input(ids.MODE, "value"),
        "scores": Input({"type": ids.SCORE, "score": ALL}, "n_clicks"),
        "nudges": Input({"type": ids.NUDGE, "step": ALL}, "n_clicks"),
        "skip": Input(ids.SKIP, "n_clicks"), "back": Input(ids.BACK, "n_clicks"),
        "broken": Input(ids.BROKEN, "data"), "state": State(ids.STATE, "data")})
    def rate(source, mode, scores, nudges, skip, back, broken, state):
        n_nudges = len(nudges)
        chosen = source_of(source)
        if chosen is None:
            return _blank("No image source with a build yet: send one to the API first.",
                          n_nudges)
        try:
            ds = services.cache.get(*chosen)
        except DomainError as exc:
            return _blank(exc.message, n_nudges)
        state = state if state and state.get("source") == source else {
            "source": source, "current": None, "skipped": [], "history": []}
        person = current_person()
        trigger = ctx.triggered_id
        kind = trigger.get("type") if isinstance(trigger, dict) else trigger
        names = ds.matrix.image_names
        board = services.scores.scoreboard(ds.source, fresh=False)
        current = state["current"]
        text = ""

        if kind in (ids.SCORE, ids.NUDGE) and current is not None:
            if person is None:
                text = NO_NAME
            else:
                if kind == ids.SCORE:
                    score = int(trigger["score"])
                else:
                    guess = predicted_score(mode, ds, board, current)
                    score = None if guess is None else nudged(guess, int(trigger["step"]))
                if score is not None:
                    try:
                        services.judgements.put_ratings(
                            *chosen, [RatingRow(current, score, person.name, None)],
                            sent_by=person.name)
                    except DomainError as exc:
                        text = exc.message
                    else:
                        text = f"Stored: {current} = {score}."
                        state["history"].append(current)
                        current = None
                        board = services.scores.scoreboard(ds.source, fresh=False)
        elif kind == ids.SKIP and current is not None:
            state["skipped"].append(current)
            state["history"].append(current)
            text, current = f"Skipped {current}.", None
        elif kind == ids.BACK:
            if state["history"]:
                current = state["history"].pop()
                mine = services.judgements.scores_by(ds.source.id, person.name) if person else {}
                given = mine.get(current)
                text = (f"Back to {current}: " + (f"you gave it {given}" if given is not None
                                                  else "not rated yet")
                        + ". Press a key to rate it.")
            else:
                text = "Nothing to go back to yet."
        elif kind == ids.BROKEN and broken and broken.get("image") == current:
            state["skipped"].append(current)
            text = (f"The picture of {current} could not be loaded, so it was skipped. "
                    "Carry on with the next one.")
            current = None

        mine = set(services.judgements.scores_by(ds.source.id, person.name)) if person else set()
        if current is None:
            current = next_image(names, counts_for(board, names, "ratings"), mine,
                                 set(state["skipped"]))
        state["current"] = current
        rated = len(mine & set(names))
        guess = predicted_score(mode, ds, board, current) if current is not None else None
        if person is None and not text:
            text = NO_NAME
        return {
            "state": state,
            "picture": [] if current is None else picture(
                current, picture_url(ds.source.url_template, current), ids.BROKEN, "large"),
            "name": current or "Nothing left to rate here: every image is rated or skipped.",
            "progress": progress_text(rated, len(names)),
            "note": text,
            "predicted": [] if guess is None else ["Predicted ", html.Strong(f"{guess:.1f}")],
            "nudge_disabled": [guess is None] * n_nudges,
        }


def _blank(text: str, n_nudges: int) -> dict:
    return {"state": no_update, "picture": [], "name": "", "progress": "", "note": text,
            "predicted": [], "nudge_disabled": [True] * n_nudges}
