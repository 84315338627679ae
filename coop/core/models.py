"""Cooperatives."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coop.db import utcnow
from coop.extensions import db


class LegalForm(enum.Enum):
    UA = "U.A."
    BA = "B.A."
    WA = "W.A."


class Cooperative(db.Model):
    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[LegalForm] = mapped_column(
        Enum(LegalForm, native_enum=False, length=10), default=LegalForm.UA
    )
    kvk_number: Mapped[str | None] = mapped_column(String(8))
    seat: Mapped[str] = mapped_column(String(100), default="")
    wijk: Mapped[str] = mapped_column(String(100), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cooperatives.id"))
    founded_on: Mapped[date | None]
    fy_start_month: Mapped[int] = mapped_column(default=1)
    # Postcode area served: list of [low, high] 4-digit ranges, inclusive.
    postcode_ranges: Mapped[list] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text, default="")
    joining_info: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    last_member_number: Mapped[int] = mapped_column(default=0)
    # Resignation rule: at least this many weeks' notice, ending at the end of the
    # financial year (or on the notice date itself when resign_at_year_end is off).
    resignation_notice_weeks: Mapped[int] = mapped_column(default=4)
    resign_at_year_end: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Cooperative | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Cooperative]] = relationship(
        back_populates="parent", order_by="Cooperative.name"
    )

    def serves(self, postcode: str) -> bool:
        digits = postcode.strip()[:4]
        # ASCII only: isdigit() is also true for '²' or '٣', which int() refuses or misreads.
        if len(digits) != 4 or not (digits.isascii() and digits.isdigit()):
            return False
        number = int(digits)
        return any(low <= number <= high for low, high in self.postcode_ranges or [])

    @property
    def postcode_ranges_text(self) -> str:
        return ", ".join(
            str(low) if low == high else f"{low}-{high}" for low, high in self.postcode_ranges or []
        )

    def __repr__(self) -> str:
        return f"<Cooperative {self.slug}>"
