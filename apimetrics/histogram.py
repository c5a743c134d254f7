"""A mergeable latency histogram: fixed log-spaced buckets (DDSketch-like).

Bucket 0 holds values below ``MIN_MS``; bucket ``i ≥ 1`` holds ``[MIN_MS·γ^(i-1), MIN_MS·γ^i)``.
A bucket is reported by the value whose relative distance to both edges is ``(γ-1)/(γ+1)``,
so every percentile is within that relative error (3.85 % with γ = 1.08) of the exact one.
Histograms are sparse ``{index: count}`` maps, merged by adding counts; the same bucket
formula runs in SQL (:data:`BUCKET_SQL`) so the database builds them.
"""

import math
from collections.abc import Iterable, Mapping

GAMMA = 1.08
MIN_MS = 0.1
LN_GAMMA = math.log(GAMMA)
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)

BUCKET_SQL = (
    f"CASE WHEN response_time_ms < {MIN_MS} THEN 0 "
    f"ELSE CAST(FLOOR(LN(response_time_ms / {MIN_MS}) / {LN_GAMMA!r}) AS INTEGER) + 1 END"
)


def bucket_of(value_ms: float) -> int:
    if value_ms < MIN_MS:
        return 0
    return math.floor(math.log(value_ms / MIN_MS) / LN_GAMMA) + 1


def bucket_value(index: int) -> float:
    """The representative value of a bucket."""
    if index <= 0:
        return MIN_MS / 2
    low = MIN_MS * GAMMA ** (index - 1)
    return low * 2 * GAMMA / (GAMMA + 1)


def merge(histograms: Iterable[Mapping]) -> dict[int, int]:
    total: dict[int, int] = {}
    for histogram in histograms:
        for key, count in histogram.items():
            index = int(key)
            total[index] = total.get(index, 0) + int(count)
    return total


def percentiles(histogram: Mapping[int, int], quantiles: Iterable[float]) -> list[float | None]:
    """Nearest-rank percentiles (rank ``ceil(q·n)``) of the histogram, None when it is empty."""
    items = sorted((int(k), int(v)) for k, v in histogram.items() if int(v) > 0)
    total = sum(count for _, count in items)
    quantiles = list(quantiles)
    if total == 0:
        return [None for _ in quantiles]
    results = []
    for q in quantiles:
        rank, seen = max(1, math.ceil(q * total)), 0
        for index, count in items:
            seen += count
            if seen >= rank:
                results.append(round(bucket_value(index), 2))
                break
    return results


def apdex(histogram: Mapping[int, int], threshold_ms: float) -> float | None:
    """(satisfied + tolerating / 2) / total, a response counted by its bucket's value."""
    satisfied = tolerating = total = 0
    for key, count in histogram.items():
        value, count = bucket_value(int(key)), int(count)
        total += count
        if value <= threshold_ms:
            satisfied += count
        elif value <= 4 * threshold_ms:
            tolerating += count
    if total == 0:
        return None
    return round((satisfied + tolerating / 2) / total, 3)
