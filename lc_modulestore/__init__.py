"""
lc-modulestore: serve Open edX courses whose content lives in Learning Core, through the
ModuleStore API the LMS already reads, without MongoDB.

Where things are: ``olx_import`` (OLX export → Learning Core), ``snapshot`` (a course's published
state, read in bulk), ``compiling`` (compile a publish with the pure ``compile`` package and store
the Split documents), ``receivers`` (compile after every publish), ``store/`` (the read-only
ModuleStore the LMS configures), ``bench/`` (``lc_bench``). The public Python surface is
:mod:`lc_modulestore.api`.
"""
