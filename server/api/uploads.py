"""MIDI uploads for conversion: `POST /api/uploads` (multipart field `midi`, at most 1 MB),
`GET /api/uploads` (yours, newest first, a page at a time, with the quota in use),
`GET /api/uploads/{id}` (what the file holds) and `DELETE /api/uploads/{id}`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, Response, request
from quart_schema import DataSource, validate_querystring, validate_request, validate_response
from quart_schema.pydantic import File
from werkzeug.exceptions import RequestEntityTooLarge

from server.api.schemas import PageQuery
from server.errors import AppError, error_response
from server.models.upload import Upload
from server.security.sessions import require_user
from server.services import uploads

blueprint = Blueprint("uploads", __name__, url_prefix="/api/uploads")
FORM_OVERHEAD_BYTES = 16 * 1024  # multipart boundaries and part headers around the file
TOO_LARGE = "MIDI files may be at most 1 MB."


class UploadForm(BaseModel):
    midi: File


class UploadOut(BaseModel):
    id: str
    filename: str
    size: int  # bytes
    created_at: datetime
    analysis: dict[str, Any]  # tracks, melody_track, key, meter, tempo, bars, ...


class UploadSummaryOut(BaseModel):
    id: str
    filename: str
    size: int  # bytes
    created_at: datetime
    analysis: dict[str, Any]  # as in UploadOut, without the melody's notes


class UploadPageOut(BaseModel):
    uploads: list[UploadSummaryOut]
    page: int
    pages: int
    total: int  # files kept
    page_size: int
    used_bytes: int  # all files kept, against quota_bytes
    quota_bytes: int
    quota_files: int


def upload_out(upload: Upload) -> UploadOut:
    return UploadOut(
        id=upload.id,
        filename=upload.filename,
        size=upload.size,
        created_at=upload.created_at,
        analysis=upload.analysis,
    )


def upload_page_out(page: uploads.UploadPage) -> UploadPageOut:
    summaries = [
        UploadSummaryOut(
            id=upload.id,
            filename=upload.filename,
            size=upload.size,
            created_at=upload.created_at,
            analysis={key: value for key, value in upload.analysis.items() if key != "melody"},
        )
        for upload in page.uploads
    ]
    return UploadPageOut(
        uploads=summaries,
        page=page.page,
        pages=page.pages,
        total=page.total,
        page_size=page.page_size,
        used_bytes=page.used_bytes,
        quota_bytes=uploads.QUOTA_BYTES,
        quota_files=uploads.QUOTA_FILES,
    )


@blueprint.before_request
async def signed_in_and_small() -> None:
    """Strangers and oversized bodies (by their Content-Length) are refused before the body
    is read."""
    await require_user()
    limit = uploads.MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES
    request.max_content_length = limit  # a body without a length is cut off here instead
    if request.content_length is not None and request.content_length > limit:
        raise AppError("too_large", TOO_LARGE, status=413)


@blueprint.errorhandler(RequestEntityTooLarge)
async def too_large(_: RequestEntityTooLarge) -> Response:
    return error_response(413, "too_large", TOO_LARGE)


@blueprint.post("")
@validate_request(UploadForm, source=DataSource.FORM_MULTIPART)
@validate_response(UploadOut, 201)
async def create_upload(data: UploadForm) -> tuple[UploadOut, int]:
    user = await require_user()
    upload = await uploads.create_upload(user, data.midi.filename, data.midi.read())
    return upload_out(upload), 201


@blueprint.get("")
@validate_querystring(PageQuery)
@validate_response(UploadPageOut)
async def list_uploads(query_args: PageQuery) -> UploadPageOut:
    return upload_page_out(await uploads.list_uploads(await require_user(), query_args.page))


@blueprint.get("/<upload_id>")
@validate_response(UploadOut)
async def show_upload(upload_id: str) -> UploadOut:
    return upload_out(await uploads.get_upload(await require_user(), upload_id))


@blueprint.delete("/<upload_id>")
async def delete_upload(upload_id: str) -> tuple[str, int]:
    await uploads.delete_upload(await require_user(), upload_id)
    return "", 204
