"""The signed-in user's own account: `/api/me`, its photo, and other members' photos.

`GET /api/users/{id}/photo` is public to signed-in users on purpose: rooms show the photos of
the people in them. Nothing else about another user is served.
"""

from __future__ import annotations

from quart import Blueprint, Response
from quart_rate_limiter import rate_limit
from quart_schema import DataSource, validate_request, validate_response

from server.api.schemas import PasswordConfirmation, PhotoForm, ProfilePatch, UserOut, user_out
from server.errors import not_found
from server.models.user import MAX_USER_ID, User
from server.security.rate_limits import PHOTO_LIMITS
from server.security.sessions import current_auth_id, end_session, require_user
from server.services import accounts

blueprint = Blueprint("me", __name__, url_prefix="/api")
PHOTO_CACHE = "private, max-age=86400"  # the URL carries a version, so a day is safe


@blueprint.get("/me")
@validate_response(UserOut)
async def show_me() -> UserOut:
    return user_out(await require_user())


@blueprint.patch("/me")
@validate_request(ProfilePatch)
@validate_response(UserOut)
async def update_me(data: ProfilePatch) -> UserOut:
    user = await require_user()
    changes = data.model_dump(exclude_none=True)
    new_password = changes.pop("password", None)
    keep = await current_auth_id()
    user = await accounts.update_profile(
        user, new_password=new_password, keep_auth_id=keep, **changes
    )
    return user_out(user)


@blueprint.delete("/me")
@validate_request(PasswordConfirmation)
async def delete_me(data: PasswordConfirmation) -> tuple[str, int]:
    user = await require_user()
    await accounts.delete_account(user, data.password)
    await end_session()
    return "", 204


@blueprint.put("/me/photo")
@rate_limit(limits=PHOTO_LIMITS)
@validate_request(PhotoForm, source=DataSource.FORM_MULTIPART)
@validate_response(UserOut)
async def replace_photo(data: PhotoForm) -> UserOut:
    user = await require_user()
    return user_out(await accounts.set_photo(user, data.photo.read()))


@blueprint.delete("/me/photo")
@validate_response(UserOut)
async def remove_photo() -> UserOut:
    return user_out(await accounts.remove_photo(await require_user()))


@blueprint.get("/me/photo")
async def show_my_photo() -> Response:
    return photo_response(await require_user())


@blueprint.get(f"/users/<int(max={MAX_USER_ID}):user_id>/photo")
async def show_member_photo(user_id: int) -> Response:
    await require_user()
    return photo_response(await User.get_or_none(id=user_id))


def photo_response(user: User | None) -> Response:
    if user is None or user.photo is None:
        raise not_found("No photo here.")
    response = Response(bytes(user.photo), content_type=user.photo_content_type)
    response.headers["Cache-Control"] = PHOTO_CACHE
    return response
