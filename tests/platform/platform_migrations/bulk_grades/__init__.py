"""
No migrations: edx-bulk-grades' own depend on the LMS's courseware app (its ScoreOverrider has a
foreign key to ``courseware.StudentModule``), and reading OLX never touches its table. An app with
an empty migrations package gets no table, where ``MIGRATION_MODULES = None`` (the reader's own
settings) would have pytest-django's ``run_syncdb`` try to create it.
"""
