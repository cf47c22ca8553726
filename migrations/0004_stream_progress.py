import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("studio", "0003_rooms")]

    initial = False

    operations = [
        ops.CreateModel(
            name="StreamProgress",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "studio.User",
                        source_field="owner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="stream_progress",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "song_fields",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "notes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "recovered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("song_id", fields.CharField(null=True, max_length=32)),
            ],
            options={"table": "stream_progress", "app": "studio", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="RoomConnection",
            name="worker",
            field=fields.CharField(default="", max_length=32),
        ),
    ]
