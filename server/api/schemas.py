"""Request and response bodies of the JSON API (also the source of /openapi.json)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from quart_schema.pydantic import File

from server.generation.classifier import Verdict
from server.generation.progression import Progression, ProgressionError
from server.models.song import TITLE_MAX_LENGTH, Song
from server.models.user import DISPLAY_NAME_MAX_LENGTH, EMAIL_MAX_LENGTH, User
from server.services.songs import SongPage

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024  # hashing cost grows with length; nobody types more
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f]+"  # no spaces or control characters (PostgreSQL refuses NUL)
_EMAIL_PATTERN = re.compile(rf"^{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def _check_email(value: str) -> str:
    if not _EMAIL_PATTERN.match(value.strip()):
        raise ValueError("must be an email address like name@example.com")
    return value


def _check_password(value: str) -> str:
    if len(value) < PASSWORD_MIN_LENGTH:
        raise ValueError(f"must be at least {PASSWORD_MIN_LENGTH} characters long")
    if len(value) > PASSWORD_MAX_LENGTH:
        raise ValueError(f"must be at most {PASSWORD_MAX_LENGTH} characters long")
    return value


def _check_printable(value: str) -> str:
    if _CONTROL_CHARACTERS.search(value):
        raise ValueError("must not contain control characters such as line breaks or tabs")
    return value


Email = Annotated[str, Field(max_length=EMAIL_MAX_LENGTH), AfterValidator(_check_email)]
NewPassword = Annotated[str, AfterValidator(_check_password)]
DisplayName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=DISPLAY_NAME_MAX_LENGTH),
    AfterValidator(_check_printable),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH),
    AfterValidator(_check_printable),
]
AnyPassword = Annotated[str, Field(max_length=PASSWORD_MAX_LENGTH)]


class Strict(BaseModel):
    """Unknown fields are an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class SignupForm(BaseModel):
    email: Email
    password: NewPassword
    display_name: DisplayName
    photo: File | None = None


class LoginIn(Strict):
    email: Annotated[str, Field(max_length=EMAIL_MAX_LENGTH), AfterValidator(_check_printable)]
    password: AnyPassword
    remember: bool = False


class ProfilePatch(Strict):
    display_name: DisplayName | None = None
    email: Email | None = None
    password: NewPassword | None = None
    current_password: AnyPassword | None = None


class PhotoForm(BaseModel):
    photo: File


class PasswordConfirmation(Strict):
    password: AnyPassword


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    photo_url: str | None
    created_at: datetime


class SongPatch(Strict):
    title: Title


class PageQuery(BaseModel):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


AgreementName = Literal["sounds_like", "as_asked", "leans"]  # the values of `Agreement`


class SoundsLike(BaseModel):
    """What the genre classifier may say of a song's notes (docs/style-transfer.md)."""

    genre: str  # the classifier's most likely genre
    confidence: float  # its calibrated probability for that genre, 0..1
    # sounds_like: no genre was asked; as_asked: `genre` is the one asked for; leans: the
    # song was asked for `asked` and the classifier leans to `genre` (said as a leaning only)
    agreement: AgreementName
    asked: str | None  # the genre the song was asked for, None for any


class ChordOut(BaseModel):
    """A chord of a saved song, in the wire form of docs/protocol.md (times in beats)."""

    symbol: str
    start: float
    duration: float
    root: int | None
    quality: str | None
    bass: int | None
    pitches: list[int]


class SongOut(BaseModel):
    id: str
    title: str
    genre: str | None
    key: str
    mode: str
    tempo: float
    source_kind: str
    status: str
    parameters: dict[str, Any]
    model_version: str | None
    duration_seconds: float
    note_count: int
    created_at: datetime
    midi_url: str
    sounds_like: SoundsLike | None = None  # None without a classifier, or when it is unsure
    chords: list[ChordOut] | None = None  # the chords it was written over, from `parameters`


class SongPageOut(BaseModel):
    songs: list[SongOut]
    page: int
    pages: int
    total: int
    page_size: int


class HealthOut(BaseModel):
    status: str
    database: str
    redis: str  # "ok", "unavailable", or "off" when REDIS_URL is not set
    version: str


def user_out(user: User) -> UserOut:
    """The public view of an account; the photo URL changes whenever the photo does."""
    photo_url = None
    if user.photo_updated_at is not None:
        photo_url = f"/api/me/photo?v={int(user.photo_updated_at.timestamp() * 1000)}"  # ms
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        photo_url=photo_url,
        created_at=user.created_at,
    )


def song_chords(song: Song) -> list[ChordOut] | None:
    """The chords a song keeps in its parameters (storage rows), or None when it has none."""
    rows = song.parameters.get("chords")
    if not rows:
        return None
    try:
        progression = Progression.from_storage(rows)
    except ProgressionError:
        return None  # rows this server cannot read: the song plays and lists without them
    return [ChordOut.model_validate(span) for span in progression.to_wire()]


def song_out(song: Song, verdict: Verdict | None = None) -> SongOut:
    computed = ("midi_url", "sounds_like", "chords")
    fields = {name: getattr(song, name) for name in SongOut.model_fields if name not in computed}
    sounds_like = None
    if verdict is not None:
        sounds_like = SoundsLike(
            genre=verdict.genre,
            confidence=verdict.confidence,
            agreement=cast(AgreementName, verdict.agreement.value),
            asked=verdict.asked,
        )
    return SongOut(
        **fields,
        midi_url=f"/api/songs/{song.id}/midi",
        sounds_like=sounds_like,
        chords=song_chords(song),
    )


def song_page_out(page: SongPage, verdicts: dict[str, Verdict] | None = None) -> SongPageOut:
    verdicts = verdicts or {}
    return SongPageOut(
        songs=[song_out(song, verdicts.get(song.id)) for song in page.songs],
        page=page.page,
        pages=page.pages,
        total=page.total,
        page_size=page.page_size,
    )
