"""Layout parts the Rate, Compare and People pages share: the image-source picker, a picture that
falls back to the image's name (assets/judge.js marks a failed one), and key hints."""

from __future__ import annotations

from dash import dcc, html


def source_picker(component_id: str, label_id: str) -> html.Div:
    """Which image source to judge (options filled by the page's callback)."""
    return html.Div([
        html.Label("Image source", id=label_id, htmlFor=component_id,
                   className="form-label small fw-semibold mb-1"),
        dcc.Dropdown(id=component_id, clearable=False, placeholder="No image source yet",
                     className="judge-source"),
    ], className="mb-2")


def picture(name: str, url: str | None, store_id: str, size: str) -> html.Div:
    """The picture of image `name` (`url` None: no URL template, the name stands in). When the
    picture fails to load, assets/judge.js shows the name and tells the page (store_id)."""
    placeholder = html.Div(["No picture for ", html.Strong(name)] if url is None else
                           ["The picture of ", html.Strong(name), " could not be loaded."],
                           className="judge-placeholder")
    children = [placeholder]
    if url is not None:
        children.insert(0, html.Img(src=url, alt=name, className="judge-img",
                                    referrerPolicy="no-referrer",
                                    **{"data-image": name, "data-store": store_id}))
    return html.Div(children, key=name,  # a new box per image: a failure mark cannot stick
                    className=f"judge-picture judge-picture-{size}"
                              + ("" if url is not None else " judge-failed"))


def key_button(text, keys: str, hint: str, component_id, className: str,
               label: str | None = None, disabled: bool = False) -> html.Button:
    """A button a key also presses (assets/judge.js reads data-keys; several keys: spaces)."""
    extra = {"aria-label": label} if label else {}
    return html.Button([text, html.Kbd(hint, className="ms-2 small")], id=component_id,
                       type="button", className="btn " + className, disabled=disabled,
                       **{"data-keys": keys}, **extra)


def note(component_id: str) -> html.Div:
    """Where the page says what just happened (read out by screen readers)."""
    return html.Div(id=component_id, role="status", **{"aria-live": "polite"},
                    className="judge-note small mt-2")
