import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("studio", "0005_room_piece_chords")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RoomJamEvent",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "room",
                    fields.ForeignKeyField(
                        "studio.Room",
                        source_field="room_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="jam_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "user",
                    fields.ForeignKeyField(
                        "studio.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="jam_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("pitch", fields.SmallIntField()),
                ("velocity", fields.SmallIntField()),
                ("at_ms", fields.FloatField()),
                ("beats", fields.FloatField(null=True)),
            ],
            options={
                "table": "room_jam_events",
                "app": "studio",
                "indexes": [Index(fields=["room_id", "at_ms"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="RoomMember",
            name="votes",
            field=fields.JSONField(
                default=dict,
                db_default={},
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
