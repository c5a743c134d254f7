"""The two ways an order file can be wrong: as a whole, or in one row."""

from __future__ import annotations

from typing import Any


class ImportFailed(Exception):
    """The file cannot be imported; nothing is written. ``details`` go into the job's ``error``."""

    def __init__(self, code: str, message: str, **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.details}


class RowError(ValueError):
    """Why one row cannot be read (its column, value and the reason)."""

    def __init__(self, column: str, value: Any, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason
