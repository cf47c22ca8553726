"""Conversions of a user's upload into another genre: the request checked, the upload's melody
read in a limited worker, and a TransferStream built for the live engine, or written to the end
on the conversion pool (a bounded share per account, `busy` past it) and saved as a song (REST)
with a link to its source upload in its parameters.
"""

from __future__ import annotations

from typing import Any

from server.errors import AppError
from server.generation.band.piece_band import with_band
from server.generation.lstm import LstmNetwork
from server.generation.melody import Melody
from server.generation.progression import Progression
from server.generation.sampler import InvalidParamsError, run_to_end
from server.generation.style_search import StyleSearch
from server.generation.transfer import TransferStream
from server.generation.transfer_params import TransferParams
from server.models.song import Song, SongStatus, SourceKind
from server.models.upload import Upload
from server.models.user import User
from server.services.registry import Services
from server.services.songs import save_song
from server.services.uploads import get_upload, upload_source
from server.services.work_pools import WorkPool

TRANSFER_FIELDS = ("genre", "strength", "key", "temperature", "top_p", "seed", "band")
REQUEST_FIELDS = ("source", "track", *TRANSFER_FIELDS, "instrument")
MAX_TRACK = 1023  # larger indexes cannot name a track of an accepted file
UNAVAILABLE = "Conversion is not available on this server now."
# Whole conversions (REST) are CPU work: one written at a time per server process, three more
# may wait for it, one in flight per account, so another's waits behind at most one of each
# account's; past either bound, `busy` before any work.
CONVERSIONS = WorkPool("conversion", "conversions", workers=1, waiting=3, per_owner=1)


async def stream_from_payload(
    user_id: int,
    data: dict[str, Any],
    network: LstmNetwork,
    instruments: tuple[str, ...],
    search: StyleSearch | None = None,
) -> tuple[TransferStream, dict[str, Any]]:
    """The conversion a `generate:start` with a `source` asks for, and the extra parameters
    saved with its song; AppError (code and field) for anything refused, `busy` when
    the source must be read again and the user's share of MIDI parsing (or the pool) is in
    use. With `search` (see `style_search`), each bar is the best of several candidates."""
    try:
        return await _conversion_stream(user_id, data, network, instruments, search)
    except AppError as error:
        if error.code != "busy":
            raise
        raise AppError("busy", error.message, field="source") from error


async def _conversion_stream(
    user_id: int,
    data: dict[str, Any],
    network: LstmNetwork,
    instruments: tuple[str, ...],
    search: StyleSearch | None,
) -> tuple[TransferStream, dict[str, Any]]:
    """`stream_from_payload`, with `busy` left as it is (429 or 503) for the REST route."""
    unknown = sorted(set(data) - set(REQUEST_FIELDS))
    if unknown:
        raise invalid(unknown[0], "is not a conversion parameter")
    instrument = data.get("instrument", instruments[0])
    if instrument not in instruments:
        raise invalid("instrument", f"expected one of {', '.join(instruments)}")
    track = checked_track(data.get("track"))
    transfer = transfer_params(data)
    upload = await owned_upload(user_id, data.get("source"))
    try:
        melody, chords = await upload_source(upload, track)
    except AppError as error:
        if error.code == "busy":
            raise
        raise AppError("invalid_source", error.message, field="source") from error
    melody.name = upload.filename.rsplit(".", 1)[0]
    stream = new_stream(melody, transfer, network, search, chords.progression)
    extra = {
        "instrument": instrument,
        "source": upload.id,
        "source_name": upload.filename,
        "track": track,
        "strength": transfer.strength,
        # Which notes the song's chords were heard in, or why the conversion has none.
        "chords_from": chords.read_from if stream.params.chords else None,
        "chords_note": chords.note,
    }
    return stream, extra


async def owned_upload(user_id: int, upload_id: Any) -> Upload:
    """The user's upload; anyone else's, or none, is the same `unknown_source`."""
    user = await User.get_or_none(id=user_id)
    if not isinstance(upload_id, str) or user is None:
        raise unknown_source("Choose one of your uploaded files.")
    try:
        return await get_upload(user, upload_id)
    except AppError as error:  # not found
        raise unknown_source(error.message) from error


def unknown_source(message: str) -> AppError:
    return AppError("unknown_source", message, status=404, field="source")


def checked_track(track: Any) -> int | None:
    if track is None:
        return None
    if isinstance(track, bool) or not isinstance(track, int) or not 0 <= track <= MAX_TRACK:
        raise invalid("track", f"must be a track number 0..{MAX_TRACK} or left out")
    return track


def transfer_params(data: dict[str, Any]) -> TransferParams:
    try:
        if "genre" not in data:
            raise InvalidParamsError("genre", "a conversion needs a target genre")
        return TransferParams(**{name: data[name] for name in TRANSFER_FIELDS if name in data})
    except InvalidParamsError as error:
        raise invalid(error.field, str(error)) from error


def style_search(held: Services) -> StyleSearch | None:
    """The style search over this server's melody network and genre classifier; None while
    either is missing (conversions then go without it)."""
    if held.generation is None or held.sounds_like is None:
        return None
    return StyleSearch(held.generation.engine.network, held.sounds_like.classifier)


def new_stream(
    melody: Melody,
    transfer: TransferParams,
    network: LstmNetwork,
    search: StyleSearch | None,
    chords: Progression | None = None,
) -> TransferStream:
    if network.vocabulary is None:  # a served network is always loaded with its vocabulary
        raise AppError("model_unavailable", UNAVAILABLE, status=503)
    try:
        return TransferStream(melody, transfer, network.vocabulary, network, search, chords)
    except InvalidParamsError as error:
        raise invalid(error.field, str(error)) from error


def invalid(field: str, message: str) -> AppError:
    return AppError("invalid_params", message, field=field)


async def convert_to_song(
    held: Services, user: User, data: dict[str, Any], instruments: tuple[str, ...]
) -> Song:
    """A whole conversion written at once and saved (`POST /api/songs/convert`); `busy`
    (429 past the user's share, 503 past the pool's) before any work is done."""
    service = held.generation
    if service is None:
        raise AppError("model_unavailable", UNAVAILABLE, status=503)
    network = service.engine.network
    with CONVERSIONS.admitted(user.id):
        stream, extra = await _conversion_stream(
            user.id, data, network, instruments, style_search(held)
        )
        # Writing every note and rendering MIDI are CPU work, on the conversion pool's thread.
        notes = with_band(stream.params, (await CONVERSIONS.run(run_to_end, network, [stream]))[0])
        fields = service.song_fields(stream, extra, SourceKind.CONVERTED)
        return await save_song(
            user, notes, render=CONVERSIONS.run, status=SongStatus.COMPLETE, **fields
        )
