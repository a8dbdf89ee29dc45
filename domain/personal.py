"""Personal data of individuals (a citizen penalised, a complainant, a citizen party).

It lives only in event fields named ``person`` holding this model, and nowhere else, so that a
lawful erasure request can find all of it (businesses, known by their credit code, are not
individuals and have none).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import Name


class PersonalData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: Name
    id_number: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Z]{6,20}$",
        description="Resident identity card number (18 characters) or passport number.",
    )
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]{4,19}$")
