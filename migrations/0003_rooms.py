import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from server.models.room import Playback, new_invite_token, new_room_id
from server.models.room_piece import PieceKind, new_piece_id


class Migration(migrations.Migration):
    dependencies = [("studio", "0002_uploads")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Room",
            fields=[
                (
                    "id",
                    fields.CharField(
                        primary_key=True,
                        default=new_room_id,
                        unique=True,
                        db_index=True,
                        max_length=32,
                    ),
                ),
                ("name", fields.CharField(max_length=60)),
                (
                    "invite_token",
                    fields.CharField(default=new_invite_token, unique=True, max_length=64),
                ),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "studio.User",
                        source_field="owner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="owned_rooms",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "host",
                    fields.ForeignKeyField(
                        "studio.User",
                        source_field="host_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="hosted_rooms",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "empty_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "playback",
                    fields.CharEnumField(
                        default=Playback.IDLE,
                        description="IDLE: idle\nPLAYING: playing\nPAUSED: paused",
                        enum_type=Playback,
                        max_length=8,
                    ),
                ),
                ("tempo", fields.FloatField(default=120.0)),
                ("anchor_ms", fields.FloatField(null=True)),
                ("paused_beats", fields.FloatField(default=0.0)),
                ("effective_ms", fields.FloatField(default=0.0)),
                ("revision", fields.IntField(default=0)),
            ],
            options={
                "table": "rooms",
                "app": "studio",
                "indexes": [Index(fields=["owner_id", "created_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoomConnection",
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
                        related_name="connections",
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
                        related_name="room_connections",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sid", fields.CharField(unique=True, max_length=64)),
                ("connected_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "room_connections",
                "app": "studio",
                "indexes": [Index(fields=["room_id", "connected_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoomMember",
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
                        related_name="members",
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
                        related_name="room_memberships",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("joined_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("removed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "room_members",
                "app": "studio",
                "unique_together": (("room", "user"),),
                "indexes": [Index(fields=["user_id", "joined_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoomMessage",
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
                        related_name="messages",
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
                        related_name="room_messages",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("text", fields.CharField(max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "room_messages",
                "app": "studio",
                "indexes": [
                    Index(fields=["room_id", "created_at"]),
                    Index(fields=["user_id", "created_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RoomPiece",
            fields=[
                (
                    "id",
                    fields.CharField(
                        primary_key=True,
                        default=new_piece_id,
                        unique=True,
                        db_index=True,
                        max_length=32,
                    ),
                ),
                (
                    "room",
                    fields.OneToOneField(
                        "studio.Room",
                        source_field="room_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="piece",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SONG: song\nLIVE: live", enum_type=PieceKind, max_length=8
                    ),
                ),
                ("title", fields.CharField(max_length=100)),
                (
                    "song",
                    fields.ForeignKeyField(
                        "studio.Song",
                        source_field="song_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="room_pieces",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("stream_id", fields.CharField(null=True, max_length=32)),
                ("tempo", fields.FloatField()),
                ("key", fields.CharField(default="C", max_length=2)),
                ("mode", fields.CharField(default="major", max_length=5)),
                ("genre", fields.CharField(null=True, max_length=32)),
                ("instrument", fields.CharField(default="piano", max_length=16)),
                (
                    "notes",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("expected_beats", fields.FloatField(default=0.0)),
                ("complete", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "room_pieces", "app": "studio", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
