"""
The compiler: OLX and Learning Core snapshots in, Split-modulestore documents out.

This package stays free of Django, the ORM and ``lc_modulestore``, so it can be tested and reused
without a database.
"""
