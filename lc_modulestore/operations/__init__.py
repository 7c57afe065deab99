"""
What operators use to run the project: where each course stands (:mod:`.status`), its published
files (:mod:`.course_files`) and what the LMS links and serves for one (:mod:`.asset_urls`), what
the last compile and import did (:mod:`.models`, :mod:`.records`), the system checks
(:mod:`.checks`) and the ``MODULESTORE`` and ``CONTENTSTORE`` helpers
(:mod:`.modulestore_settings`, :mod:`.contentstore_settings`, importable from a settings file).
"""
