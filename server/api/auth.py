"""Sign-up, login and logout: `/api/auth/*`, rate-limited per IP and per account (see
server/security/rate_limits.py)."""

from __future__ import annotations

from quart import Blueprint
from quart_rate_limiter import rate_limit
from quart_schema import DataSource, validate_request, validate_response

from server.api.schemas import LoginIn, SignupForm, UserOut, user_out
from server.security.rate_limits import LOGIN_LIMITS, SIGNUP_LIMITS, remember_device
from server.security.sessions import end_session, start_session
from server.services import accounts

blueprint = Blueprint("auth", __name__, url_prefix="/api/auth")


@blueprint.post("/signup")
@rate_limit(limits=SIGNUP_LIMITS)
@validate_request(SignupForm, source=DataSource.FORM_MULTIPART)
@validate_response(UserOut, 201)
async def signup(data: SignupForm) -> tuple[UserOut, int]:
    photo = data.photo.read() if data.photo else None  # an empty file input sends no name
    user = await accounts.sign_up(data.email, data.password, data.display_name, photo)
    await start_session(user, remember=False)
    remember_device(user.email)
    return user_out(user), 201


@blueprint.post("/login")
@rate_limit(limits=LOGIN_LIMITS)
@validate_request(LoginIn)
@validate_response(UserOut)
async def login(data: LoginIn) -> UserOut:
    user = await accounts.authenticate(data.email, data.password)
    await start_session(user, remember=data.remember)
    remember_device(user.email)  # its own failures, not others', limit this browser's logins
    return user_out(user)


@blueprint.post("/logout")
async def logout() -> tuple[str, int]:
    await end_session()
    return "", 204
