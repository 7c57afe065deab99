"""
The compiled documents: their tables (``models``), their bytes (``codec``), the one writer
(``writes``), Split's ``db_connection`` that reads them (``backend``) and the caches in front of it.
"""
