import uuid

from django.db import migrations, models


def give_each_asset_a_key(apps, schema_editor):
    # AddField's default is evaluated once, so every existing row would share
    # it: each gets its own here before the field becomes unique.
    MediaAsset = apps.get_model("media_pipeline", "MediaAsset")
    for asset in MediaAsset.objects.only("pk").iterator():
        MediaAsset.objects.filter(pk=asset.pk).update(key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("media_pipeline", "0004_delivery_transcode_profile")]

    operations = [
        migrations.AddField(
            model_name="mediaasset",
            name="key",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_asset_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="mediaasset",
            name="key",
            field=models.UUIDField(
                default=uuid.uuid4,
                editable=False,
                unique=True,
                verbose_name="文件地址标识",
            ),
        ),
    ]
