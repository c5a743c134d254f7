"""The API's JSON parser: DRF's, refusing documents nested too deeply as a 400.

Python's JSON decoder recurses once per level of nesting: a body of a thousand ``[`` raises
``RecursionError``, which DRF's parser does not catch (only ``ValueError``), so the request
answered 500. A document that parses but nests deeper than any real payload would still recurse
in the serializers and the error handler afterwards, so depth is bounded too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deeper than any payload of the API (the deepest, a tracked event, nests 3 levels).
MAX_DEPTH = 64
TOO_DEEP = f"JSON parse error - the document is nested more than {MAX_DEPTH} levels deep."


def nesting_depth(data: object, limit: int = MAX_DEPTH) -> int:
    """How deeply ``data`` nests lists and objects (a scalar is 0), counted without recursion
    and stopping once past ``limit``."""
    deepest = 0
    stack = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


class JSONParser(parsers.JSONParser):
    """The default parser of every API view (settings) and of those that set their own."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nesting_depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
