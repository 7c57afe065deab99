"""
The serving path: what an LMS configures in ``settings.MODULESTORE``.

``backend`` answers Split's ``db_connection`` calls from the compiled documents, ``runtime`` turns
them into XBlocks, ``modulestore`` is the read API (:class:`LearningCoreModuleStore`), ``flags`` decides
course by course whether Learning Core serves it.
"""
