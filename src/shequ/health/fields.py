"""Encrypted numbers: health readings are health data, so they are stored as ciphertext like free text."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from shequ.core import crypto
from shequ.core.fields import EncryptedTextField


class EncryptedDecimalField(EncryptedTextField):
    """A number kept encrypted at rest; Python sees a :class:`Decimal` (or None). Not filterable."""

    _pyi_private_set_type: Decimal | int | str | None  # type: ignore[assignment]
    _pyi_private_get_type: Decimal | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    @staticmethod
    def _number(value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Decimal | None:  # type: ignore[override]
        return self._number(super().from_db_value(value, expression, connection))

    def to_python(self, value: Any) -> Any:
        return self._number(value)

    def get_prep_value(self, value: Any) -> Any:
        number = self._number(value)
        if number is None:
            return None
        return crypto.encrypt(format(number, "f"))
