"""
The draft branch: a second live structure per course, keyed on the DraftChangeLog it was compiled
from, named by the course index next to the published one; failures say which branch failed. A superseded draft structure (branch null, storage.writes)
keeps its change log.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lc_modulestore', '0005_error_blocks_announcements_superseded'),
        ('openedx_content', '0014_typed_media_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='compiledstructure',
            name='draft_change_log',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='openedx_content.draftchangelog'),
        ),
        migrations.AddField(
            model_name='compilefailure',
            name='branch',
            field=models.CharField(default='published-branch', max_length=32),
        ),
        migrations.AddField(
            model_name='compilefailure',
            name='draft_change_log_id',
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name='courseindex',
            name='draft_structure',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='lc_modulestore.compiledstructure'),
        ),
        migrations.AddConstraint(
            model_name='compiledstructure',
            constraint=models.CheckConstraint(condition=models.Q(('draft_change_log__isnull', True), ('branch', 'draft-branch'), ('branch__isnull', True), _connector='OR'), name='lc_structure_change_log_only_on_drafts'),
        ),
    ]
