"""
What operators use to run the project: where each course stands (:mod:`.status`), what the last
compile and import did (:mod:`.models`, :mod:`.records`), the system checks (:mod:`.checks`) and
the ``MODULESTORE`` helper (:mod:`.modulestore_settings`, importable from a settings file).
"""
