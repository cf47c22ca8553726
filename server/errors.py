"""Every failure leaves the server as `{"error": {"code", "message"}}` with the right status.

Services raise `AppError`; Werkzeug HTTP errors, schema validation errors and
rate limits are translated here, and anything unexpected becomes a logged 500 with no traceback.
The one HTML answer, a browser navigating to an unknown page (`wants_a_page`), is the site's
404 page, rendered by the pages blueprint.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from quart import Quart, Request, Response, jsonify, request
from quart_rate_limiter import RateLimitExceeded
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import BadRequest, HTTPException

logger = logging.getLogger(__name__)

# Codes for plain HTTP errors; the message comes from the exception when it has a useful one.
HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
HTTP_ERROR_MESSAGES = {
    401: "Please log in first.",
    404: "Nothing here: check the address.",
    405: "This address does not accept that method.",
    413: "The request body is too large (at most 6 MB).",
    429: "Too many attempts; wait a minute and try again.",
}
MALFORMED_JSON = "The body is not valid JSON."
TOO_DEEP_JSON = "The body is not valid JSON: it nests arrays or objects too deeply."


class AppError(Exception):
    """An error a user can act on: its `code` and `message` (shown as is) reach the client over
    HTTP with `status`, or over Socket.IO with the `field` it is about, if any. Raise a new one
    each time: an instance raised again keeps every traceback it went through."""

    def __init__(
        self, code: str, message: str, *, status: int = 400, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field

    def to_json(self) -> dict[str, str]:
        """The Socket.IO error payload: `{code, message}`, and `field` when there is one."""
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return error


def not_found(message: str, code: str = "not_found") -> AppError:
    return AppError(code, message, status=404)


def conflict(message: str, code: str = "conflict") -> AppError:
    return AppError(code, message, status=409)


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


class StudioRequest(Request):
    """Quart's request, with a malformed JSON body (bad syntax, bad UTF-8, or nesting deeper
    than the parser recurses) reported as such."""

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        try:
            return await super().get_json(force=force, silent=silent, cache=cache)
        except (UnicodeDecodeError, RecursionError) as error:
            if silent:
                return None
            message = TOO_DEEP_JSON if isinstance(error, RecursionError) else MALFORMED_JSON
            raise BadRequest(message) from None

    def on_json_loading_failed(self, error: Exception) -> Any:
        raise BadRequest(MALFORMED_JSON)


def install_error_handling(app: Quart) -> None:
    """JSON errors for every status, and a request class that names JSON syntax errors."""
    app.request_class = StudioRequest
    app.register_error_handler(AppError, _app_error)
    app.register_error_handler(RequestSchemaValidationError, _validation_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(HTTPException, http_error_response)
    app.register_error_handler(Exception, _unexpected_error)


async def _app_error(error: AppError) -> Response:
    return error_response(error.status, error.code, error.message)


async def _validation_error(error: RequestSchemaValidationError) -> Response:
    return error_response(400, "invalid_input", describe_validation_error(error.validation_error))


async def _rate_limited(error: RateLimitExceeded) -> Response:
    response = error_response(429, "rate_limited", HTTP_ERROR_MESSAGES[429])
    response.headers["Retry-After"] = str(error.retry_after)
    return response


async def http_error_response(error: HTTPException) -> Response:
    """A Werkzeug HTTP error as the API's JSON error."""
    status = error.code or 500
    if status >= 500:
        return await _unexpected_error(error)
    code = HTTP_ERROR_CODES.get(status, "http_error")
    message = HTTP_ERROR_MESSAGES.get(status) or _describe_bad_request(error)
    response = error_response(status, code, message)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def wants_a_page() -> bool:
    """A browser navigating (it prefers HTML to JSON) outside the API, which always answers JSON."""
    if request.path.startswith("/api/"):
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


async def _unexpected_error(error: Exception) -> Response:
    logger.error("unhandled error", exc_info=error)
    return error_response(500, "internal_error", "Something went wrong on our side; try again.")


def _describe_bad_request(error: HTTPException) -> str:
    return error.description or "The request could not be understood."


def describe_validation_error(error: Exception) -> str:
    """One readable line per problem, each naming its field, e.g. `email: Field required`."""
    if error.__class__ is TypeError or not isinstance(error, ValidationError):
        return "Expected a body with the documented fields (JSON or form, as documented)."
    return "; ".join(_describe_problem(problem) for problem in error.errors())


def _describe_problem(problem: ErrorDetails) -> str:
    field = ".".join(str(part) for part in problem.get("loc", ()))
    if not field:
        return "body: expected a JSON object (Content-Type: application/json) or a form"
    message = problem.get("msg", "is invalid").removeprefix("Value error, ")
    return f"{field}: {message}"
