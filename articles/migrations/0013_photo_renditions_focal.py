"""
Photos record the focal point their renditions were made for (null: none made yet), now that a
task makes them after the upload has answered. Every photo already in the library had its
renditions made when it was saved (or by ``make_renditions``), so it is marked as made around
its own focal point, in one UPDATE.
"""

from django.db import migrations, models
from django.db.models import F


def mark_existing_renditions_made(apps, schema_editor):
    Photo = apps.get_model("articles", "Photo")
    Photo.objects.update(renditions_focal_x=F("focal_x"), renditions_focal_y=F("focal_y"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_pending_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="renditions_focal_x",
            field=models.FloatField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="photo",
            name="renditions_focal_y",
            field=models.FloatField(editable=False, null=True),
        ),
        migrations.RunPython(mark_existing_renditions_made, migrations.RunPython.noop, elidable=True),
    ]
