"""Routes for people's judgements (docs/statistics.md ("Human judgements"), docs/api.md "Judgements"): ratings and preference
votes in; per-image scores and look-alike images out."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, request

from api.access import admit, authorize, services
from api.errors import ApiError, json_response
from api.people import current_person
from api.request import (CSV_TYPES, JSON_TYPES, build_arg, identity, idempotency, int_arg,
                         read_body, require_type)
from data.domain.errors import MalformedBody, NotAuthenticated, UnknownDataset
from data.payloads.json_body import parse_json
from data.payloads.judgements import (validate_ratings_csv, validate_ratings_json,
                                      validate_votes_json)
from data.stats.neighbours import DEFAULT_K, image_position, neighbours

judgements = Blueprint("judgements", __name__)

MAX_K = 1000
SIGN_IN_HINT = (" A person can instead sign in: type your name in the bar at the top of the "
                "dashboard (or come through the company's sign-on).")


@dataclass(frozen=True)
class Sender:
    """Who sends judgements: `name` is stored with every row (the token's name, or the
    person's); `person` is set when a signed-in person sends them (every row is theirs)."""

    name: str
    person: str | None


def sender(business: str) -> Sender:
    """A token when one is sent; else the signed-in person; else what other writes accept
    (loopback on a server without tokens)."""
    if request.headers.get("Authorization"):
        principal = authorize()
        admit(principal, business)
        return Sender(principal.name, None)
    person = current_person()
    if person is not None:
        return Sender(person.name, person.name)
    try:
        principal = authorize()
    except ApiError as exc:
        raise ApiError(exc.status, exc.code, exc.message + SIGN_IN_HINT, exc.details) from None
    except NotAuthenticated as exc:
        raise NotAuthenticated(exc.code, exc.message + SIGN_IN_HINT, exc.details) from None
    admit(principal, business)
    return Sender(principal.name, None)


@judgements.route("/ratings", methods=["PUT"], strict_slashes=False)
def put_ratings():
    """Store scores 1–10: JSON [{image, score, rater, at?}] or CSV image,score,rater[,at]."""
    business, source = identity()
    who = sender(business)
    mt = require_type(JSON_TYPES + CSV_TYPES, "application/json or text/csv")
    body = read_body(services().settings)
    idem = idempotency("ratings", business, source, body, who.person)
    if mt in CSV_TYPES:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise MalformedBody("bad_encoding",
                                f"The CSV body is not UTF-8 (byte {exc.start}).") from None
        rows = validate_ratings_csv(text, who.person)
    else:
        rows = validate_ratings_json(parse_json(body), who.person)
    result = services().judgements.put_ratings(business, source, rows, sent_by=who.name,
                                               idempotency=idem)
    return json_response(result.body)


@judgements.route("/preferences", methods=["PUT"], strict_slashes=False)
def put_preferences():
    """Store best-of-2 / best-of-4 votes: JSON [{winner, others, rater, at?}]."""
    business, source = identity()
    who = sender(business)
    require_type(JSON_TYPES, "application/json")
    body = read_body(services().settings)
    idem = idempotency("preferences", business, source, body, who.person)
    rows = validate_votes_json(parse_json(body), who.person)
    result = services().judgements.put_votes(business, source, rows, sent_by=who.name,
                                             idempotency=idem)
    return json_response(result.body)


@judgements.route("/scores", methods=["GET"], strict_slashes=False)
def get_scores():
    """Per image: ratings, mean score and its t-interval, comparisons, wins, Bradley–Terry
    strength and its interval; raters, votes and agreement overall."""
    business, source = identity()
    ref = services().store.locate(business, source)
    if ref is None:
        raise UnknownDataset("unknown_dataset",
                             f"No image source {source!r} for business {business!r}. "
                             "GET /api/v1/datasets lists what exists.")
    board = services().scores.scoreboard(ref)
    return json_response({
        "business": business, "image_source": source, "build": ref.current_build_id,
        "images": len(board.images), "raters": board.raters, "votes": board.votes,
        "agreement": board.agreement, "scores": board.records(),
    })


@judgements.route("/similar", methods=["GET"], strict_slashes=False)
def get_similar():
    """The k images whose feature vectors are closest (cosine) to `image`'s in a build."""
    business, source = identity()
    image = request.args.get("image")
    if not image:
        raise ApiError(400, "bad_parameter", "Say which image: the `image` query parameter.")
    k = int_arg("k", DEFAULT_K, 1, MAX_K)
    ds = services().cache.get(business, source, build_arg())
    position = image_position(ds, image)
    found = neighbours(ds, position, k, services().scores.scoreboard(ds.source))
    return json_response({
        "business": business, "image_source": source, "build": ds.build.id, "image": image,
        "k": k, "neighbours": [n.record() for n in found],
    })
