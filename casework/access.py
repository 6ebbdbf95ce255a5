"""A caseworker's desk: who is acting, and which cases their organisation may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_

from casework import audit
from casework.desk.models import Caseworker, Role
from casework.victims.models import Case


@dataclass(frozen=True)
class Desk:
    """A logged-in caseworker and what their organisation may see."""

    caseworker: Caseworker
    default_organisation_id: int | None

    @property
    def organisation_id(self) -> int:
        """The caseworker's organisation."""
        return self.caseworker.organisation_id

    @property
    def is_admin(self) -> bool:
        """True for the organisation's administrators."""
        return self.caseworker.role == Role.ADMIN

    @property
    def actor(self) -> audit.Actor:
        """The caseworker as the author of audit events."""
        return audit.Actor(audit.ActorType.CASEWORKER, self.caseworker.id, self.organisation_id)

    def sees(self) -> ColumnElement[bool]:
        """A WHERE clause over Case: the cases this caseworker's organisation holds."""
        own = Case.organisation_id == self.organisation_id
        if self.default_organisation_id == self.organisation_id:
            return or_(own, Case.organisation_id.is_(None))
        return own
