"""Money in the API: Decimal from the model to the JSON, rounded only at the end, to the cent."""

from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias

CENT = Decimal("0.01")

# What a database sum, a model field or a computation hands over (floats from pandas).
Amount: TypeAlias = Decimal | float | str


def money(value: Amount | None) -> str | None:
    """A decimal string with exactly two places ("1234.50"); None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def ratio(numerator: Amount | None, denominator: Amount | None, places: int = 4) -> float | None:
    """numerator / denominator rounded to ``places``; None when the denominator is zero or None."""
    if not denominator or numerator is None:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
