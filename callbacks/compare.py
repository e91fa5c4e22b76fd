"""The Compare page's callbacks: which image sources, and one callback that takes a pick (click
or key), a skip, a picture that failed, or a change of set size, stores the vote under the
person's name and shows the next set (figures.judging.next_set)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from api.people import current_person
from data.domain.clock import utcnow
from data.domain.errors import DomainError
from data.domain.filters import parse_query
from data.payloads.judgements import VoteRow
from figures.dashboard.detail import picture_url
from figures.judging import NO_NAME, chosen_source, next_set, source_of, source_options
from layouts.compare import ids, pick_button
from layouts.judging import picture

OUTPUTS = {
    "state": Output(ids.STATE, "data"),
    "set": Output(ids.SET, "children"),
    "progress": Output(ids.PROGRESS, "children"),
    "note": Output(ids.NOTE, "children"),
}


def register(app, services) -> None:
    @app.callback(Output(ids.SOURCE, "options"), Output(ids.SOURCE, "value"),
                  Input(ids.URL, "search"))
    def fill_sources(search):
        options = source_options(services.cache.datasets())
        asked = parse_query(search)
        return options, chosen_source(options, asked["business"], asked["image_source"])

    @app.callback(output=OUTPUTS, inputs={
        "source": Input(ids.SOURCE, "value"), "size": Input(ids.SIZE, "value"),
        "picks": Input({"type": ids.PICK, "slot": ALL}, "n_clicks"),
        "skip": Input(ids.SKIP, "n_clicks"), "broken": Input(ids.BROKEN, "data"),
        "state": State(ids.STATE, "data")})
    def compare(source, size, picks, skip, broken, state):
        chosen = source_of(source)
        if chosen is None:
            return _blank("No image source with a build yet: send one to the API first.")
        try:
            ds = services.cache.get(*chosen)
        except DomainError as exc:
            return _blank(exc.message)
        size = 4 if size == 4 else 2
        if not state or state.get("source") != source:
            state = {"source": source, "shown": [], "excluded": []}
        person = current_person()
        trigger = ctx.triggered_id
        kind = trigger.get("type") if isinstance(trigger, dict) else trigger
        if kind == ids.PICK and not ctx.triggered[0]["value"]:
            raise PreventUpdate  # a new round's buttons mounting, not a click
        shown, text, new_set = list(state["shown"]), "", False

        if kind == ids.PICK and shown:
            slot = int(trigger["slot"])
            if person is None:
                text = NO_NAME
            elif slot < len(shown):
                winner = shown[slot]
                others = tuple(n for n in shown if n != winner)
                try:
                    services.judgements.put_votes(
                        *chosen, [VoteRow(winner, others, person.name, utcnow())],
                        sent_by=person.name)
                except DomainError as exc:
                    text = exc.message
                else:
                    text, new_set = f"Stored: {winner} over {', '.join(others)}.", True
        elif kind == ids.SKIP:
            text, new_set = "Skipped that round.", True
        elif kind == ids.BROKEN and broken and broken.get("image") in shown:
            state["excluded"].append(broken["image"])
            text = (f"The picture of {broken['image']} could not be loaded, so the round was "
                    "replaced.")
            new_set = True
        elif kind == ids.SIZE or not shown or len(shown) != size:
            new_set = True

        ref = ds.source
        board = services.scores.scoreboard(ref, fresh=False)
        names = ds.matrix.image_names
        if new_set:
            last = (services.judgements.last_vote_set(ref.id, person.name) if person else None)
            if kind in (ids.SKIP, ids.BROKEN) and shown:
                last = frozenset(shown)  # not the same round again
            shown = next_set(names, services.scores.comparisons_now(ref, board, names),
                             board.values("strength", names), last, size,
                             set(state["excluded"])) or []
        state["shown"] = shown
        if not shown:
            return {"state": state, "set": [], "progress": "",
                    "note": text + " Fewer than "
                    f"{size} images with a working picture are left: nothing to compare."}
        votes = services.judgements.votes(ref.id, board.key[-1] if board.key else 0)
        total = board.votes + len(votes.id)
        if person is None and not text:
            text = NO_NAME
        width = 12 // size
        return {
            "state": state,
            "set": dbc.Row([dbc.Col(pick_button(slot, size, name, picture(
                name, picture_url(ref.url_template, name), ids.BROKEN,
                "side" if size == 2 else "grid")), xs=12 if size == 2 else 6, md=width)
                for slot, name in enumerate(shown)], className="g-3"),
            "progress": f"{total:,} votes so far on {len(names):,} images",
            "note": text,
        }


def _blank(text: str) -> dict:
    return {"state": no_update, "set": [], "progress": "", "note": text}
