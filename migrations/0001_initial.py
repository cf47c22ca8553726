import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from server.models.song import SongStatus, SourceKind, new_song_id


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="User",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("display_name", fields.CharField(max_length=50)),
                ("password_hash", fields.CharField(max_length=255)),
                ("photo", fields.BinaryField(null=True)),
                ("photo_content_type", fields.CharField(null=True, max_length=32)),
                (
                    "photo_updated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "users", "app": "studio", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AuthSession",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("auth_id", fields.CharField(unique=True, max_length=64)),
                (
                    "user",
                    fields.ForeignKeyField(
                        "studio.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("remember", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_seen_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "auth_sessions", "app": "studio", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Song",
            fields=[
                (
                    "id",
                    fields.CharField(
                        primary_key=True,
                        default=new_song_id,
                        unique=True,
                        db_index=True,
                        max_length=32,
                    ),
                ),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "studio.User",
                        source_field="owner_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="songs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("title", fields.CharField(max_length=100)),
                ("genre", fields.CharField(null=True, max_length=32)),
                ("key", fields.CharField(default="C", max_length=2)),
                ("mode", fields.CharField(default="major", max_length=5)),
                ("tempo", fields.FloatField(default=120.0)),
                (
                    "source_kind",
                    fields.CharEnumField(
                        default=SourceKind.GENERATED,
                        description="GENERATED: generated\nCONVERTED: converted\nROOM: room",
                        enum_type=SourceKind,
                        max_length=16,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=SongStatus.COMPLETE,
                        description="DRAFT: draft\nCOMPLETE: complete",
                        enum_type=SongStatus,
                        max_length=16,
                    ),
                ),
                (
                    "parameters",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("model_version", fields.CharField(null=True, max_length=64)),
                ("midi", fields.BinaryField()),
                ("duration_seconds", fields.FloatField(default=0.0)),
                ("note_count", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "songs",
                "app": "studio",
                "indexes": [Index(fields=["owner_id", "created_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
