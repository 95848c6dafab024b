"""Indexes for the partner API: a platform's deliveries in (updated_at, id)
order, which also gives its data version in one seek; its next availability
window edges; and a partner's latest fetches."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("syndication", "0003_delivery_profiles_use_delivery_transcode"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["platform", "updated_at", "id"],
                name="delivery_platform_updated",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["platform", "available_from"], name="delivery_platform_from"
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["platform", "available_until"], name="delivery_platform_until"
            ),
        ),
        migrations.AddIndex(
            model_name="fetchrecord",
            index=models.Index(
                fields=["partner", "-created_at"], name="fetchrecord_partner_recent"
            ),
        ),
    ]
