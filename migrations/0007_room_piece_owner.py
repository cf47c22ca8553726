from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("studio", "0006_room_jam")]

    initial = False

    operations = [
        ops.AddField(
            model_name="RoomPiece",
            name="owner",
            field=fields.ForeignKeyField(
                "studio.User",
                source_field="owner_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="live_pieces",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
    ]
