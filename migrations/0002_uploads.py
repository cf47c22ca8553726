import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from server.models.upload import new_upload_id


class Migration(migrations.Migration):
    dependencies = [("studio", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Upload",
            fields=[
                (
                    "id",
                    fields.CharField(
                        primary_key=True,
                        default=new_upload_id,
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
                        related_name="uploads",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("filename", fields.CharField(max_length=255)),
                ("midi", fields.BinaryField()),
                ("size", fields.IntField()),
                (
                    "analysis",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "uploads",
                "app": "studio",
                "indexes": [Index(fields=["owner_id", "created_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
