"""OpenAPI generation shared by every app.

:class:`PulseAutoSchema` documents, on every operation, the errors the API really answers in the
one error shape (``{"error": {"code", "message", "fields"}}``) and the ``X-Workspace`` header of
workspace-scoped views, so that apps do not repeat them and clients (and the schemathesis fuzz
run) can rely on the schema for 4xx answers too.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, serializers

from config.exceptions import ErrorBody, ErrorDetail

WORKSPACE_PARAMETER = OpenApiParameter(
    "X-Workspace",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Slug of the workspace to act in (default: your personal workspace). "
    "A workspace you are not a member of answers 404.",
)

JSON = ["application/json"]  # errors are JSON whatever the endpoint renders otherwise (CSV…)
ERROR_DESCRIPTIONS = {
    "400": "Invalid input (malformed JSON, a field or query parameter that does not validate).",
    "401": "Not authenticated, or the credentials or token are invalid or expired.",
    "403": "Authenticated, but your role does not allow this.",
    "404": "Not found, or not in a workspace you belong to.",
    "409": "Conflicts with the current state.",
    "413": "The request body is too large.",
    "415": "Unsupported media type: send application/json.",
    "429": "Too many requests: retry after the number of seconds in Retry-After.",
}


class ErrorDetailSerializer(serializers.Serializer[ErrorDetail]):
    code = serializers.CharField(help_text="Machine-readable code, e.g. invalid, not_found, throttled.")
    message = serializers.CharField(help_text="A sentence for humans.")
    # The metaclass takes declared fields out of the class; the stubs see the serializer's own
    # ``fields`` map being replaced.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Invalid input: each field's messages, nested fields by dotted names (the third event of a "
        'batch: "2.status_code"); empty otherwise.',
    )


class ErrorSerializer(serializers.Serializer[ErrorBody]):
    error = ErrorDetailSerializer()


class PulseAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses and the workspace header."""

    def get_override_parameters(
        self,
    ) -> list[OpenApiParameter | serializers.Serializer[Any] | type[serializers.Serializer[Any]]]:
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "workspace_scoped", False) and not getattr(self.view, "workspace_url_kwarg", None):
            parameters.append(WORKSPACE_PARAMETER)
        return parameters

    def _error_codes(self, operation: dict[str, Any]) -> set[str]:
        codes: set[str] = set()
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        if has_body or any(p.get("in") in ("query", "header") for p in parameters):
            codes.add("400")
        if has_body:
            codes |= {"413", "415"}
        perms = [p.__class__ for p in self.view.get_permissions()]
        if permissions.AllowAny not in perms:
            codes |= {"401", "403"}
        if (
            any(p.get("in") == "path" for p in parameters)
            or any(p.get("name") in ("X-Workspace", "page") for p in parameters)  # a page past the end: 404
        ):
            codes.add("404")
        if self.view.get_throttles():
            codes.add("429")
        return codes

    def _error_response(self, code: str) -> dict[str, Any]:
        """The error shape as the response ``code`` documents it."""
        response: dict[str, Any] = self._get_response_for_code(  # type: ignore[no-untyped-call]  # unannotated upstream
            ErrorSerializer, code, media_types=JSON
        )
        return response

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: ComponentRegistry
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        codes = self._error_codes(operation)
        for code in sorted(codes - set(responses)):
            response = self._error_response(code)
            response["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = response
        # Views may list error codes in extend_schema(responses=…) with a bare description.
        for code, response in responses.items():
            if code in ERROR_DESCRIPTIONS and "content" not in response:
                described = self._error_response(code)
                described["description"] = response.get("description") or ERROR_DESCRIPTIONS[code]
                responses[code] = described
        if "429" in responses:
            responses["429"]["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "required": True,
                    "description": "Seconds to wait before the next attempt.",
                }
            }
        return operation
