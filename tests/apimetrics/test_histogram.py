from apimetrics import histogram as hist


def counts(*pairs):
    """A histogram of ``(ms, status)`` responses."""
    result: dict[int, int] = {}
    for ms, status in pairs:
        key = hist.bucket_of(ms, status)
        result[key] = result.get(key, 0) + 1
    return result


def test_a_server_error_is_kept_under_the_mirror_of_its_latency_bucket():
    assert hist.bucket_of(10) == hist.latency_bucket(hist.bucket_of(10, 503))
    assert hist.bucket_of(10, 503) == -1 - hist.bucket_of(10)
    assert hist.bucket_of(0.01, 500) == -1
    assert hist.bucket_of(10, 499) == hist.bucket_of(10)


def test_percentiles_count_server_errors_at_their_latency():
    histogram = counts((10, 200), (20, 503), (30, 200), (40, 500))
    assert hist.percentiles(histogram, [0.5, 1.0]) == [
        round(hist.bucket_value(hist.bucket_of(20)), 2),
        round(hist.bucket_value(hist.bucket_of(40)), 2),
    ]
    # The same latency as a success and as an error is one bucket, not two.
    assert (
        hist.percentiles(counts((20, 200), (20, 503)), [0.5, 1.0])
        == [round(hist.bucket_value(hist.bucket_of(20)), 2)] * 2
    )


def test_apdex_counts_a_server_error_frustrated_however_fast():
    # T = 100: 50 ms satisfied, 300 ms tolerating, 500 ms frustrated, a 503 in 5 ms frustrated.
    histogram = counts((50, 200), (300, 404), (500, 200), (5, 503))
    assert hist.apdex(histogram, 100) == round((1 + 1 / 2) / 4, 3)
    assert hist.apdex(counts((5, 503)), 100) == 0.0
    assert hist.apdex({}, 100) is None
