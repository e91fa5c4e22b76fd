"""Checking bodies of people's judgements (docs/statistics.md, "Human judgements"): ratings (JSON or CSV) and preference votes.

A rater is named in each row. When a signed-in person sends the body (`person` given), every
row is that person's: a row may leave `rater` out, and one naming somebody else is refused.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone

from data.domain.errors import InvalidPayload
from data.payloads.common import MAX_OFFENDERS, json_type, offender_message, short_repr
from data.people.identity import MAX_NAME

SCORE_MIN, SCORE_MAX = 1, 10
VOTE_SIZES = (2, 4)  # images shown in one vote: a pair, or best of four


@dataclass(frozen=True)
class RatingRow:
    image: str
    score: int
    rater: str
    at: datetime | None  # UTC; None = "now" (the store stamps the receiving time)


@dataclass(frozen=True)
class VoteRow:
    winner: str
    others: tuple[str, ...]  # 1 (a pair) or 3 (best of four), as shown
    rater: str
    at: datetime | None


RATING_HINT = ('Send [{"image": "a.png", "score": 7, "rater": "ana", "at": '
               '"2024-05-06T09:00:00Z"}, ...] (at is optional), or CSV with the header '
               '`image,score,rater` or `image,score,rater,at`.')
VOTE_HINT = ('Send [{"winner": "a.png", "others": ["b.png"], "rater": "ana", "at": '
             '"2024-05-06T09:00:00Z"}, ...]: one other for a pair, three for best of four.')


def validate_ratings_json(obj: object, person: str | None = None) -> list[RatingRow]:
    """Rows of a JSON ratings body; InvalidPayload listing the first offenders."""
    items = _list_of_objects(obj, RATING_HINT)
    rows, problems = [], _Problems("bad_ratings", "rating(s) are unusable", RATING_HINT)
    for k, item in enumerate(items):
        try:
            _only(item, {"image", "score", "rater", "at"}, required={"image", "score"})
            rows.append(RatingRow(_image(item["image"]), _json_score(item["score"]),
                                  _rater(item.get("rater"), person), _at(item.get("at"))))
        except ValueError as exc:
            problems.add({"index": k, "image": _name_hint(item, "image"), "problem": str(exc)})
    problems.raise_any()
    return rows


def validate_ratings_csv(text: str, person: str | None = None) -> list[RatingRow]:
    """Rows of a CSV ratings body (header image,score,rater[,at])."""
    reader = _csv_records(text)
    header = next(reader, None)
    if header is None:
        raise InvalidPayload("empty_payload", f"The CSV body is empty. {RATING_HINT}")
    header = [h.strip().lower() for h in header]
    if header not in (["image", "score", "rater"], ["image", "score", "rater", "at"]):
        raise InvalidPayload("wrong_shape", f"Unexpected CSV header {header}. {RATING_HINT}")
    rows, problems = [], _Problems("bad_ratings", "CSV line(s) are unusable", RATING_HINT)
    for lineno, rec in enumerate(reader, start=2):
        if not rec:
            continue
        try:
            if len(rec) != len(header):
                raise ValueError(f"expected {len(header)} columns, got {len(rec)}")
            try:
                score = int(rec[1].strip())
            except ValueError:
                raise ValueError(f"score {rec[1]!r} is not a whole number") from None
            at = rec[3].strip() if len(rec) == 4 else None
            rows.append(RatingRow(_image(rec[0]), _score(score), _rater(rec[2], person),
                                  _at(at or None)))
        except ValueError as exc:
            problems.add({"line": lineno, "image": rec[0] if rec else "", "problem": str(exc)})
    problems.raise_any()
    if not rows:
        raise InvalidPayload("empty_payload", f"The CSV body has a header but no rows. {RATING_HINT}")
    return rows


def validate_votes_json(obj: object, person: str | None = None) -> list[VoteRow]:
    """Rows of a JSON preferences body; InvalidPayload listing the first offenders."""
    items = _list_of_objects(obj, VOTE_HINT)
    rows, problems = [], _Problems("bad_preferences", "vote(s) are unusable", VOTE_HINT)
    for k, item in enumerate(items):
        try:
            _only(item, {"winner", "others", "rater", "at"}, required={"winner", "others"})
            winner, others = _image(item["winner"]), item["others"]
            if type(others) is not list or len(others) + 1 not in VOTE_SIZES:
                raise ValueError("others must be a list of 1 image (a pair) or 3 (best of four), "
                                 f"got {short_repr(others)}")
            others = tuple(_image(o) for o in others)
            if len(set(others) | {winner}) != len(others) + 1:
                raise ValueError("the winner and the others must be different images")
            rows.append(VoteRow(winner, others, _rater(item.get("rater"), person),
                                _at(item.get("at"))))
        except ValueError as exc:
            problems.add({"index": k, "winner": _name_hint(item, "winner"), "problem": str(exc)})
    problems.raise_any()
    return rows


def parse_time(text: str) -> datetime:
    """An ISO-8601 time as timezone-aware UTC (a time without zone is taken as UTC)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"at {short_repr(text)} is not an ISO-8601 time such as "
                         "2024-05-06T09:00:00Z") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc)


class _Problems:
    """The first offenders of a body, and how many there were."""

    def __init__(self, code: str, what: str, hint: str):
        self.code, self.what, self.hint = code, what, hint
        self.details: list[dict] = []
        self.total = 0

    def add(self, detail: dict) -> None:
        self.total += 1
        if len(self.details) < MAX_OFFENDERS:
            self.details.append(detail)

    def raise_any(self) -> None:
        if self.total:
            raise InvalidPayload(self.code, offender_message(
                f"{self.total} {self.what}. {self.hint.rstrip('.')}", self.details, self.total),
                self.details)


def _list_of_objects(obj: object, hint: str) -> list:
    if not isinstance(obj, list):
        raise InvalidPayload("wrong_shape", f"The body is a JSON {json_type(obj)}, not an array. "
                                            f"{hint}")
    if not obj:
        raise InvalidPayload("empty_payload", f"The body has no rows. {hint}")
    return obj


def _only(item: object, allowed: set[str], required: set[str]) -> None:
    if type(item) is not dict:
        raise ValueError(f"the row is a JSON {json_type(item)}, not an object")
    unknown = set(item) - allowed
    if unknown:
        raise ValueError(f"unknown field(s) {sorted(unknown)}")
    missing = required - set(item)
    if missing:
        raise ValueError(f"missing field(s) {sorted(missing)}")


def _name_hint(item: object, key: str) -> str | None:
    value = item.get(key) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _image(name: object) -> str:
    if type(name) is not str or not name:
        raise ValueError(f"an image name must be a non-empty string, got {short_repr(name)}")
    if "\x00" in name:  # PostgreSQL text cannot hold NUL
        raise ValueError("the image name contains a NUL character")
    return name


def _json_score(value: object) -> int:
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is not int:
        raise ValueError(f"score must be a whole number from {SCORE_MIN} to {SCORE_MAX}, "
                         f"got {short_repr(value)}")
    return _score(value)


def _score(value: int) -> int:
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise ValueError(f"score must be from {SCORE_MIN} to {SCORE_MAX}, got {value}")
    return value


def _rater(value: object, person: str | None) -> str:
    """The row's rater: the person sending it (who may leave it out), else the name given."""
    given = value.strip() if isinstance(value, str) else value
    if person is not None:
        if given in (None, "") or given == person:
            return person
        raise ValueError(f"you are signed in as {person!r}: rows rated by {short_repr(given)} "
                         "must be sent with a token")
    if type(given) is not str or not given:
        raise ValueError("rater must name who judged (a non-empty string)")
    if len(given) > MAX_NAME or not given.isprintable():
        raise ValueError(f"rater must be at most {MAX_NAME} printable characters")
    return given


def _at(value: object) -> datetime | None:
    if value is None:
        return None
    if type(value) is not str:
        raise ValueError(f"at must be an ISO-8601 time string, got {short_repr(value)}")
    return parse_time(value)


def _csv_records(text: str):
    """CSV records; what the csv module cannot read is an InvalidPayload naming the line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise InvalidPayload("bad_csv", f"The CSV body cannot be read at line "
                                        f"{reader.line_num}: {exc}.") from None
