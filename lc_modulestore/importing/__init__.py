"""OLX course exports into Learning Core, through its public API (``importer``)."""
