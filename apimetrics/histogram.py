"""A mergeable latency histogram: fixed log-spaced buckets (DDSketch-like).

Bucket 0 holds values below ``MIN_MS``; bucket ``i ≥ 1`` holds ``[MIN_MS·γ^(i-1), MIN_MS·γ^i)``.
A bucket is reported by the value whose relative distance to both edges is ``(γ-1)/(γ+1)``,
so every percentile is within that relative error (3.85 % with γ = 1.08) of the exact one.
Histograms are sparse ``{index: count}`` maps, merged by adding counts; the same bucket
formula runs in SQL (:data:`BUCKET_SQL`) so the database builds them.

A server error (5xx) is counted under its bucket's mirror ``-1 - i``: percentiles fold it back
onto bucket ``i`` (every response counts for latency), while Apdex counts it frustrated, as the
Apdex specification counts a failed request whatever its response time.
"""

import math
from collections.abc import Iterable, Mapping

GAMMA = 1.08
MIN_MS = 0.1
LN_GAMMA = math.log(GAMMA)
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)

_LATENCY_BUCKET_SQL = (
    f"CASE WHEN response_time_ms < {MIN_MS} THEN 0 "
    f"ELSE CAST(FLOOR(LN(response_time_ms / {MIN_MS}) / {LN_GAMMA!r}) AS INTEGER) + 1 END"
)
BUCKET_SQL = f"CASE WHEN status_code >= 500 THEN -1 - ({_LATENCY_BUCKET_SQL}) ELSE {_LATENCY_BUCKET_SQL} END"


def bucket_of(value_ms: float, status_code: int = 200) -> int:
    index = 0 if value_ms < MIN_MS else math.floor(math.log(value_ms / MIN_MS) / LN_GAMMA) + 1
    return -1 - index if status_code >= 500 else index


def latency_bucket(key: int) -> int:
    """The latency bucket of a histogram key, a server error's mirror folded back."""
    return key if key >= 0 else -1 - key


def bucket_value(index: int) -> float:
    """The representative value of a bucket."""
    if index <= 0:
        return MIN_MS / 2
    low = MIN_MS * GAMMA ** (index - 1)
    return low * 2 * GAMMA / (GAMMA + 1)


def _latencies(histogram: Mapping) -> list[tuple[int, int]]:
    """``[(latency bucket, count)]`` in bucket order, server errors folded in."""
    total: dict[int, int] = {}
    for key, count in histogram.items():
        index = latency_bucket(int(key))
        total[index] = total.get(index, 0) + int(count)
    return sorted((index, count) for index, count in total.items() if count > 0)


def percentiles(histogram: Mapping[int, int], quantiles: Iterable[float]) -> list[float | None]:
    """Nearest-rank percentiles (rank ``ceil(q·n)``) of the histogram, None when it is empty."""
    items = _latencies(histogram)
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
    """(satisfied + tolerating / 2) / total, a response counted by its bucket's value and a
    server error always frustrated. So a response within :data:`RELATIVE_ERROR` of the threshold
    (or of 4× it) may count on the other side of it: rollups keep histograms, not the responses."""
    satisfied = tolerating = total = 0
    for key, count in histogram.items():
        key, count = int(key), int(count)
        total += count
        if key < 0:
            continue
        value = bucket_value(key)
        if value <= threshold_ms:
            satisfied += count
        elif value <= 4 * threshold_ms:
            tolerating += count
    if total == 0:
        return None
    return round((satisfied + tolerating / 2) / total, 3)
