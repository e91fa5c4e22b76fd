"""The rules every stored name follows, whoever sends it (the API, the command line, the page).

A name longer than its limit is refused at ingest with a 422 (InvalidPayload) that says the
limit: a 10,000-character feature name would otherwise reach every viewer's browser as an axis
label (Chromium spends minutes laying it out). Display code shortens names further on axes and
hovers (figures/base.py); the table and the detail panel show them whole.
"""

from __future__ import annotations

from data.domain.errors import InvalidPayload

MAX_DATASET_NAME = 500  # business and image source
MAX_FEATURE_NAME = 200
MAX_IMAGE_NAME = 500  # image names are often paths or URLs
# What every refused NUL says, wherever it is (names in bodies, headers, parameters): PostgreSQL
# text cannot hold it, so no backend stores it.
NUL_PROBLEM = "contains a NUL character (U+0000), which cannot be stored; remove it"


def dataset_name_problem(value: object) -> tuple[str, str] | None:
    """(error code, what is wrong) when `value` cannot be a business or image-source name, or
    None when it can."""
    if not isinstance(value, str):
        return "bad_name", "is not text"
    if not value.strip():
        return "bad_name", "is empty"
    if len(value) > MAX_DATASET_NAME:
        return "name_too_long", (f"is {len(value):,} characters long; the limit is "
                                 f"{MAX_DATASET_NAME}")
    if "\x00" in value:
        return "bad_name", NUL_PROBLEM
    return None


def check_dataset_names(business: str, image_source: str) -> tuple[str, str]:
    """(business, image_source) unchanged when both follow the rules; else InvalidPayload (422)
    naming the first that does not. The API (api/request.py) and the command line both call it."""
    for label, value in (("business", business), ("image source", image_source)):
        problem = dataset_name_problem(value)
        if problem is not None:
            code, what = problem
            raise InvalidPayload(code, f"The {label} name {what}.",
                                 [{"field": label.replace(" ", "_"), "problem": what}])
    return business, image_source


def dataset_name_or_none(value: object) -> str | None:
    """`value` when it is a valid business or image-source name, else None (for inputs that
    must not reach the database as they are, such as a crafted callback request)."""
    return value if dataset_name_problem(value) is None else None
