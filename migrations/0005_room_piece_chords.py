import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("studio", "0004_stream_progress")]

    initial = False

    operations = [
        ops.AddField(
            model_name="RoomPiece",
            name="chords",
            field=fields.JSONField(
                default=list,
                db_default=[],
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
