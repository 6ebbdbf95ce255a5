"""Organisations, their caseworkers, and console sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime, utcnow


class Organisation(Base):
    """A caseworking organisation; it signs notices as the victims' authorised agent."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    postal_address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Role(StrEnum):
    """What a caseworker account may do; admins also manage their organisation's accounts."""

    CASEWORKER = "caseworker"
    ADMIN = "admin"


class Caseworker(Base):
    """A person who reviews matches and sends notices for one organisation."""

    __tablename__ = "caseworkers"
    # An address may hold an account in each organisation: were it unique overall, an admin
    # adding one would learn that it has an account elsewhere.
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.CASEWORKER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    organisation: Mapped[Organisation] = relationship()


class ConsoleSession(Base):
    """A server-side console session; the cookie holds the token, this row only its SHA-256.

    Only a login makes one (visitors of the login page have a signed cookie instead); a row
    without a caseworker was made for a visitor by an earlier version and ends by its timeouts.
    """

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="CASCADE"), index=True, default=None
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    caseworker: Mapped[Caseworker | None] = relationship()
