"""The tables next to Learning Core's that the import writes and the compile reads (``models``)."""
