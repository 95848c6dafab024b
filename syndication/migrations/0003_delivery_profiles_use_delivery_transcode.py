"""Point the seeded 1080p delivery profiles at the delivery transcode profile.

They were seeded with the standard profile, whose MP4 is 720p, so no
delivery could ever pass their QC. Only profiles still on the standard
profile are moved: one a manager has pointed elsewhere stays there.
"""

from django.db import migrations

SEEDED_PROFILE_NAME = "科普微视频（待核实）"


def use_delivery_transcode(apps, schema_editor):
    DeliveryProfile = apps.get_model("syndication", "DeliveryProfile")
    TranscodeProfile = apps.get_model("media_pipeline", "TranscodeProfile")
    delivery = TranscodeProfile.objects.filter(slug="delivery-1080p").first()
    if delivery is None:
        return
    DeliveryProfile.objects.filter(
        name=SEEDED_PROFILE_NAME,
        min_height__gte=1080,
        transcode_profile__slug="standard",
    ).update(transcode_profile=delivery)


def use_standard_transcode(apps, schema_editor):
    DeliveryProfile = apps.get_model("syndication", "DeliveryProfile")
    TranscodeProfile = apps.get_model("media_pipeline", "TranscodeProfile")
    standard = TranscodeProfile.objects.filter(slug="standard").first()
    if standard is None:
        return
    DeliveryProfile.objects.filter(
        name=SEEDED_PROFILE_NAME, transcode_profile__slug="delivery-1080p"
    ).update(transcode_profile=standard)


class Migration(migrations.Migration):
    dependencies = [
        ("syndication", "0002_seed_platforms"),
        ("media_pipeline", "0004_delivery_transcode_profile"),
    ]

    operations = [migrations.RunPython(use_delivery_transcode, use_standard_transcode)]
