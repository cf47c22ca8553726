"""`POST /api/songs/convert`: one of your uploads rewritten in another genre, written at once
(no streaming) and saved as a song whose parameters name its source upload."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool
from quart import Blueprint
from quart_schema import validate_request, validate_response

from server.api.schemas import SongOut, Strict, song_out
from server.generation.transfer_params import DEFAULT_STRENGTH, DEFAULT_TEMPERATURE
from server.security.sessions import require_user
from server.services import conversions
from server.services.registry import services
from server.services.stream_params import INSTRUMENT_NAMES

blueprint = Blueprint("convert", __name__, url_prefix="/api/songs")


class ConvertIn(Strict):
    """Ranges are checked by the conversion itself, so both routes give the same messages."""

    source: Annotated[str, Field(max_length=64)]  # an upload id
    genre: Annotated[str, Field(max_length=32)]
    strength: float = DEFAULT_STRENGTH  # 0 = the source, 1 = free writing in the genre
    track: int | None = None  # the upload's track to take the melody from
    key: Annotated[str, Field(max_length=2)] | None = None  # tonic, e.g. "Eb"; the source's
    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = 0.95
    seed: int | None = None
    instrument: Annotated[str, Field(max_length=16)] = INSTRUMENT_NAMES[0]
    band: StrictBool = False  # the target genre's band over the chords kept from the source


@blueprint.post("/convert")
@validate_request(ConvertIn)
@validate_response(SongOut, 201)
async def convert_song(data: ConvertIn) -> tuple[SongOut, int]:
    user = await require_user()
    request = data.model_dump(exclude_none=True)
    song = await conversions.convert_to_song(services(), user, request, INSTRUMENT_NAMES)
    return song_out(song), 201
