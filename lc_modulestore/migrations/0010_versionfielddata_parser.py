from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lc_modulestore", "0009_course_id_generation"),
    ]

    operations = [
        migrations.AddField(
            model_name="versionfielddata",
            name="parser",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
    ]
