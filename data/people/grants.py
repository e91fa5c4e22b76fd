"""Who may read which business when READ_ACCESS=granted: `python cli.py grant PERSON BUSINESS`.

A person is the name the sign-on proxy vouches for (data/people/identity.py), stored as
clean_name() makes it, so the grant and the header compare equal.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.domain.clock import iso, utcnow
from data.people.identity import clean_name
from data.storage.db import writer
from data.storage.models import ReadGrant


def _names(person: str, business: str) -> tuple[str, str]:
    name = clean_name(person)
    business = (business or "").strip()
    if not name or not business:
        raise ValueError("a grant needs a non-empty person and business")
    return name, business


def grant(engine: Engine, person: str, business: str) -> bool:
    """Let `person` read `business`. False when the grant already existed."""
    person, business = _names(person, business)
    try:
        with Session(writer(engine)) as s, s.begin():
            if s.scalar(select(ReadGrant.id).where(ReadGrant.person == person,
                                                   ReadGrant.business == business)) is not None:
                return False
            s.add(ReadGrant(person=person, business=business, granted_at=utcnow()))
    except IntegrityError:  # granted by someone else at the same moment
        return False
    return True


def revoke(engine: Engine, person: str, business: str) -> bool:
    """Take `business` away from `person` at once. False when there was no such grant."""
    person, business = _names(person, business)
    with Session(writer(engine)) as s, s.begin():
        return s.execute(delete(ReadGrant).where(ReadGrant.person == person,
                                                 ReadGrant.business == business)).rowcount > 0


def granted_businesses(engine: Engine, person: str) -> frozenset[str]:
    """The businesses `person` may read (one indexed query)."""
    name = clean_name(person)
    if not name:
        return frozenset()
    with Session(engine) as s:
        return frozenset(s.scalars(select(ReadGrant.business).where(ReadGrant.person == name)))


def list_grants(engine: Engine) -> list[dict]:
    """Every grant, by person then business."""
    with Session(engine) as s:
        return [{"person": g.person, "business": g.business, "granted_at": iso(g.granted_at)}
                for g in s.scalars(select(ReadGrant).order_by(ReadGrant.person,
                                                              ReadGrant.business))]
