"""Upload callbacks: open the dialog, suggest existing names, start the browser-side PUTs
(assets/upload.js) and render what the API answered; announce success on ids.UPLOAD_DONE."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, html, no_update

from data.domain.filters import text_or_none
from data.domain.names import dataset_name_or_none
from figures.dashboard.upload import step_outcome, succeeded, upload_steps
from layouts.dashboard import upload
from layouts.dashboard.ids import ids


def register(app, services) -> None:
    """Attach the upload dialog's callbacks to `app`."""

    @app.callback(Output(ids.UPLOAD, "is_open"), Output(ids.UPLOAD_BUSINESS, "value"),
                  Output(ids.UPLOAD_SOURCE, "value"), Input(ids.UPLOAD_OPEN, "n_clicks"),
                  State(ids.SELECTION, "data"), State(ids.UPLOAD_BUSINESS, "value"),
                  State(ids.UPLOAD_SOURCE, "value"), prevent_initial_call=True)
    def open_dialog(_clicks, selection, business, source):
        """Open the dialog with the dataset on screen filled in (unless names are typed)."""
        selection = selection or {}
        return (True, business or selection.get("business") or no_update,
                source or selection.get("image_source") or no_update)

    @app.callback(Output(ids.UPLOAD_BUSINESS_LIST, "children"),
                  Output(ids.UPLOAD_SOURCE_LIST, "children"),
                  Input(ids.UPLOAD, "is_open"), Input(ids.UPLOAD_BUSINESS, "value"),
                  Input(ids.UPLOAD_DONE, "data"), prevent_initial_call=True)  # closed on load
    def suggest_names(is_open, business, _done):
        if not is_open:
            return no_update, no_update
        datasets = services.cache.datasets()
        businesses = [b["business"] for b in datasets]
        typed = (text_or_none(business) or "").strip()
        sources = [s["image_source"] for b in datasets if b["business"] == typed
                   for s in b["image_sources"]]
        return ([html.Option(value=name) for name in businesses],
                [html.Option(value=name) for name in sources])

    app.clientside_callback(
        ClientsideFunction(namespace="imageDashboardUpload", function_name="send"),
        Output(ids.UPLOAD_RESPONSE, "data"),
        Input(ids.UPLOAD_SEND, "n_clicks"),
        State(ids.UPLOAD_BUSINESS, "value"), State(ids.UPLOAD_SOURCE, "value"),
        State(ids.UPLOAD_TOKEN, "value"),
        # Ids passed as data keep every id in layouts/ids.py, none spelled in the script.
        State(ids.UPLOAD_FEATURES, "id"), State(ids.UPLOAD_METRICS, "id"),
        State(ids.UPLOAD_PROGRESS, "id"), State(ids.UPLOAD_SEND, "id"),
        prevent_initial_call=True,
    )

    @app.callback(Output(ids.UPLOAD_RESULT, "children"), Output(ids.UPLOAD_DONE, "data"),
                  Input(ids.UPLOAD_RESPONSE, "data"), prevent_initial_call=True)
    def show_outcome(answer):
        if not isinstance(answer, dict) or not answer:
            return no_update, no_update
        steps = upload_steps(answer)
        shown = upload.outcome([step_outcome(s) for s in steps],
                               text_or_none(answer.get("problem")))
        if not succeeded(steps):
            return shown, no_update
        done = {"business": dataset_name_or_none(answer.get("business")),
                "image_source": dataset_name_or_none(answer.get("image_source")),
                "at": answer.get("at")}
        return shown, done
