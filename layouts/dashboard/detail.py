"""Image detail: a side panel that opens when a scatter point is clicked (callbacks/detail.py
fills it; assets/detail.js swaps in the placeholder when the picture fails to load)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from figures.dashboard.detail import ImageDetail, LookAlike
from layouts.dashboard import fixes
from layouts.dashboard.ids import ids


def layout():
    return dbc.Offcanvas([html.Div(id=ids.DETAIL_BODY), fixes.layout()], id=ids.DETAIL,
                         title="Image",
                         placement="end", is_open=False, scrollable=True, backdrop=False,
                         className="image-detail")


def body(detail: ImageDetail, threshold: float, build_id: int, history_href=None) -> list:
    """The panel's content for one image. Every name is passed as text, never as markup.
    `history_href(feature)`, when given, links each feature to its history across builds."""
    return [
        html.H5(detail.name, className="image-detail-name text-break"),
        _picture(detail, build_id),
        html.Dl([
            html.Dt("CTR"), html.Dd(_pct(detail.ctr), className="image-detail-ctr"),
            html.Dt("Impressions"), html.Dd(_int(detail.impressions),
                                            className="image-detail-impressions"),
            html.Dt("Clicks"), html.Dd(_int(detail.clicks), className="image-detail-clicks"),
            html.Dt("Mean score"), html.Dd(_score(detail), className="image-detail-score"),
            html.Dt("Strength"), html.Dd(_strength(detail), className="image-detail-strength"),
        ], className="image-detail-outcome"),
        html.H6(f"Features ({len(detail.features)})"),
        html.Table([
            html.Thead(html.Tr([html.Th("Feature"), html.Th("Confidence"),
                                html.Th(f"Present at ≥ {threshold:g}")])),
            html.Tbody([
                html.Tr([html.Td(html.A(name, href=history_href(name),
                                        title=f"{name} across builds")
                                 if history_href else name, className="text-break"),
                         html.Td(f"{value:.4g}"),
                         html.Td("yes" if value > 0 and value >= threshold else "")])
                for name, value in detail.features
            ]),
        ], className="table table-sm image-detail-features"),
        html.H6(f"Look-alike images ({len(detail.look_alikes)})", className="mt-3"),
        html.Small("Closest feature vectors (cosine similarity) in this build.",
                   className="text-muted d-block mb-2"),
        html.Ul([_look_alike(n, build_id) for n in detail.look_alikes],
                className="image-detail-similar list-unstyled"),
    ]


def _look_alike(n: LookAlike, build_id: int) -> html.Li:
    """One look-alike: thumbnail (or the placeholder), name, similarity, CTR, mean score."""
    placeholder = html.Div(n.name, className="image-detail-placeholder")
    picture = html.Div(
        [html.Img(src=n.picture_url, alt="", className="image-detail-img",
                  referrerPolicy="no-referrer"), placeholder] if n.picture_url else placeholder,
        className="image-detail-picture image-detail-thumb"
                  + ("" if n.picture_url else " image-detail-failed"),
        key=f"{build_id}:{n.name}")
    return html.Li([
        picture,
        html.Div([
            html.Div(n.name, className="image-detail-similar-name text-break fw-semibold"),
            html.Div(f"similarity {n.similarity:.3f} · CTR {_pct(n.ctr)} · mean score "
                     + ("—" if n.mean_score is None else f"{n.mean_score:.2f}"),
                     className="small text-muted"),
        ]),
    ], className="image-detail-similar-item d-flex align-items-center gap-2 mb-2")


def _score(d: ImageDetail) -> str:
    if d.mean_score is None:
        return "not rated"
    ci = f" (95% CI {d.score_ci[0]:.2f}–{d.score_ci[1]:.2f})" if d.score_ci else ""
    return f"{d.mean_score:.2f} from {d.ratings} rater{'s' if d.ratings != 1 else ''}{ci}"


def _strength(d: ImageDetail) -> str:
    if d.strength is None:
        return "not compared"
    ci = f" (95% CI {d.strength_ci[0]:+.2f} to {d.strength_ci[1]:+.2f})" if d.strength_ci else ""
    return f"{d.strength:+.2f}{ci}"


def message(text: str) -> html.P:
    return html.P(text, className="text-muted")


def _picture(detail: ImageDetail, build_id: int) -> html.Div:
    placeholder = html.Div(
        "No picture: this image source has no URL template." if detail.picture_url is None
        else "The picture could not be loaded.", className="image-detail-placeholder")
    if detail.picture_url is None:
        return html.Div(placeholder, className="image-detail-picture image-detail-failed")
    # A new key per image remounts the box, so a failure mark from the last image cannot stick.
    return html.Div([
        html.Img(src=detail.picture_url, alt=detail.name, className="image-detail-img",
                 referrerPolicy="no-referrer"),
        placeholder,
    ], className="image-detail-picture", key=f"{build_id}:{detail.name}")


def _pct(v: float | None) -> str:
    return "no outcome" if v is None else f"{v:.4%}"


def _int(v: int | None) -> str:
    return "—" if v is None else f"{v:,}"
