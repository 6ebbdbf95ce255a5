"""The dependency vocabulary of the HTTP layer: Annotated aliases used by every router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from sqlalchemy.orm import Session

from casework.cases import authenticate_case
from casework.db import transaction
from casework.models import Case
from casework.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    """The process's runtime, attached by create_app."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request, committed here and nowhere else in the HTTP layer."""
    with transaction(runtime.sessions) as session:
        yield session


# scope="function" commits before the response is sent: a client that sees 2xx sees committed data.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_case_credentials = HTTPBasic(
    scheme_name="CaseCredentials",
    description="The case ID as user name and the PIN as password.",
    realm="takedown case",
)


def get_current_case(
    credentials: Annotated[HTTPBasicCredentials, Depends(_case_credentials)],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Case:
    """The case named by the Basic credentials; a wrong ID or PIN answers 404."""
    return authenticate_case(
        session,
        case_id=credentials.username,
        pin=credentials.password,
        pins=runtime.pins,
        lockout=runtime.lockout,
    )


CurrentCase = Annotated[Case, Depends(get_current_case)]
