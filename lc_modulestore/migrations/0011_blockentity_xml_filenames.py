from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lc_modulestore", "0010_versionfielddata_parser"),
    ]

    operations = [
        migrations.AddField(
            model_name="blockentity",
            name="xml_filenames",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
