"""What a person sees when READ_ACCESS=granted shows them nothing: a short explanation only."""

from __future__ import annotations

from dash import html


class access_ids:  # noqa: N801 - used as a namespace
    NO_ACCESS = "no-access"


def no_access(person, user_header: str | None) -> html.Div:
    """The whole page for someone the granted mode does not know, or who has no grant yet."""
    if person is not None and person.source == "proxy":
        why = ["You are signed in as ", html.Strong(person.name),
               ", and no business is shared with you yet."]
    elif user_header:
        why = ["This server shows each person the businesses shared with them, and it does not "
               "know who you are: open it through your company's sign-on."]
    else:
        why = ["This server shows each person the businesses shared with them, and it has no "
               "sign-on to tell who you are."]
    return html.Main(html.Div([
        html.H1("Image Model Dashboard", className="h4"),
        html.P(why),
        html.P("Ask the dashboard's operator for access "
               "(python cli.py grant YOUR-NAME BUSINESS).", className="text-muted small"),
    ], className="container py-4", id=access_ids.NO_ACCESS))
