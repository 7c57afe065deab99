"""
lc-modulestore: serve Open edX courses whose content lives in Learning Core, through the
ModuleStore API the LMS already reads, without MongoDB.

The folders are the flow: ``importing`` (OLX export → Learning Core), ``compiling`` (a publish →
Split documents, with the pure ``compile`` package), ``storage`` (those documents' tables, bytes,
writer, Split's ``db_connection`` and caches), ``serving`` (the read-only ModuleStore the LMS
configures). ``courses`` holds the tables the import and the compile share, ``conf`` every setting.
The public Python surface is :mod:`lc_modulestore.api`.
"""
