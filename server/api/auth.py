"""Sign-up, login and logout: `/api/auth/*`, rate-limited per IP and per account."""

from __future__ import annotations

from datetime import timedelta

from quart import Blueprint, request
from quart_rate_limiter import RateLimit, rate_limit
from quart_schema import DataSource, validate_request, validate_response

from server.api.schemas import LoginIn, SignupForm, UserOut, user_out
from server.models.user import EMAIL_MAX_LENGTH, normalize_email
from server.security.sessions import end_session, start_session
from server.services import accounts

blueprint = Blueprint("auth", __name__, url_prefix="/api/auth")


async def client_address() -> str:
    """The peer address; X-Forwarded-For is ignored since any client can write it."""
    return f"ip:{request.remote_addr}"


async def submitted_email() -> str:
    """The account an attempt targets, read from the JSON or form body."""
    if request.is_json:
        body = await request.get_json(silent=True)
    else:
        body = await request.form
    email = body.get("email") if hasattr(body, "get") else None
    return f"email:{normalize_email(str(email or ''))[:EMAIL_MAX_LENGTH]}"


LOGIN_LIMITS = [
    RateLimit(30, timedelta(minutes=1), key_function=client_address),
    RateLimit(5, timedelta(minutes=1), key_function=submitted_email),
    RateLimit(20, timedelta(hours=1), key_function=submitted_email),
]
SIGNUP_LIMITS = [
    RateLimit(10, timedelta(minutes=10), key_function=client_address),
    RateLimit(5, timedelta(minutes=10), key_function=submitted_email),
]


@blueprint.post("/signup")
@rate_limit(limits=SIGNUP_LIMITS)
@validate_request(SignupForm, source=DataSource.FORM_MULTIPART)
@validate_response(UserOut, 201)
async def signup(data: SignupForm) -> tuple[UserOut, int]:
    photo = data.photo.read() if data.photo else None  # an empty file input sends no name
    user = await accounts.sign_up(data.email, data.password, data.display_name, photo)
    await start_session(user, remember=False)
    return user_out(user), 201


@blueprint.post("/login")
@rate_limit(limits=LOGIN_LIMITS)
@validate_request(LoginIn)
@validate_response(UserOut)
async def login(data: LoginIn) -> UserOut:
    user = await accounts.authenticate(data.email, data.password)
    await start_session(user, remember=data.remember)
    return user_out(user)


@blueprint.post("/logout")
async def logout() -> tuple[str, int]:
    await end_session()
    return "", 204
