"""The errors Cofense Vision answers with, one class per status.

Vision errors render as ``{"status", "message", "details"}``; the token service and the
bearer check answer in the OAuth2 shape ``{"error", "error_description"}`` instead.
Wording follows the replies recorded in /work/shared/vision-api.md; where Vision's exact
wording is unknown, the message says plainly what was wrong.
"""


class VisionError(Exception):
    """A Vision API error with its HTTP status code and status name."""

    status_code = 500
    status = "INTERNAL_SERVER_ERROR"
    default_message = "An unexpected error occurred"

    def __init__(self, message: str | None = None, details: list[str] | None = None):
        self.message = message or self.default_message
        self.details = list(details or [])
        super().__init__(self.message)

    def to_json(self) -> dict:
        return {"status": self.status, "message": self.message, "details": self.details}


class BadRequest(VisionError):
    status_code = 400
    status = "BAD_REQUEST"
    default_message = "The request is not valid"


class NotFound(VisionError):
    status_code = 404
    status = "NOT_FOUND"
    default_message = "Unable to find the requested object"


class MethodNotAllowed(VisionError):
    status_code = 405
    status = "METHOD_NOT_ALLOWED"
    default_message = "The request method is not supported for this path"


class UnsupportedMediaType(VisionError):
    status_code = 415
    status = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "The request body must be JSON"


class UnprocessableEntity(VisionError):
    status_code = 422
    status = "UNPROCESSABLE_ENTITY"
    default_message = "The request cannot be processed"


class InternalServerError(VisionError):
    """Vision's reply to an unexpected failure; also used by the fault injector."""


class OAuthError(Exception):
    """An error of the token service or of the bearer check (OAuth2 body shape)."""

    status_code = 401
    error = "unauthorized"
    default_description = "Full authentication is required to access this resource"

    def __init__(self, description: str | None = None):
        self.description = description or self.default_description
        super().__init__(self.description)

    def to_json(self) -> dict:
        return {"error": self.error, "error_description": self.description}


class Unauthenticated(OAuthError):
    """No bearer token was sent."""


class BadCredentials(OAuthError):
    default_description = "Bad credentials"


class InvalidToken(OAuthError):
    error = "invalid_token"
    default_description = "Invalid access token"


class InvalidRequest(OAuthError):
    status_code = 400
    error = "invalid_request"
    default_description = "Missing grant type"


class UnsupportedGrantType(OAuthError):
    status_code = 400
    error = "unsupported_grant_type"
    default_description = "Unsupported grant type"
