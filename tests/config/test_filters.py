"""A page's filters (config.filters): read and validated from the query string, resolved against
the workspace, shown as chips whose removal keeps the time controls and the other filters."""

from rest_framework import serializers

from config.errors import NotFound
from config.filters import PageFilter, chips, read_filters

COLOURS = {"red": "Red", "blue": "Blue"}


def _colour(workspace, value):
    if value not in COLOURS:
        raise NotFound("Not found.")
    return value, COLOURS[value]


FILTERS = (
    PageFilter("colour", "Colour", lambda: serializers.CharField(max_length=5), _colour),
    PageFilter("size", "Size", lambda: serializers.IntegerField(min_value=1), lambda workspace, n: (n, f"{n} cm")),
)


def test_filters_named_by_the_query_string_are_resolved():
    active, errors = read_filters(FILTERS, {"colour": "red", "size": "3", "other": "x"}, workspace=None)
    assert errors == []
    assert {name: (item.raw, item.value, item.shown) for name, item in active.items()} == {
        "colour": ("red", "red", "Red"),
        "size": ("3", 3, "3 cm"),
    }


def test_malformed_and_unknown_values_are_errors_and_left_out():
    active, errors = read_filters(FILTERS, {"colour": "green", "size": "0"}, workspace=None)
    assert active == {}
    assert errors == [
        "colour: no colour 'green' in this workspace.",
        "size: Ensure this value is greater than or equal to 1.",
    ]
    active, errors = read_filters(FILTERS, {"colour": "purple!"}, workspace=None)
    assert errors == ["colour: Ensure this field has no more than 5 characters."]


def test_a_chip_removes_its_filter_and_keeps_the_rest():
    active, _ = read_filters(FILTERS, {"colour": "blue", "size": "2"}, workspace=None)
    assert chips("/shop/", {"preset": "7d"}, active) == [
        {"name": "colour", "label": "Colour", "shown": "Blue", "remove_url": "/shop/?preset=7d&size=2"},
        {"name": "size", "label": "Size", "shown": "2 cm", "remove_url": "/shop/?preset=7d&colour=blue"},
    ]
    only, _ = read_filters(FILTERS, {"colour": "red"}, workspace=None)
    assert chips("/shop/", {}, only)[0]["remove_url"] == "/shop/"
