"""
lc-modulestore: serve Open edX courses whose content lives in Learning Core, through the
ModuleStore API the LMS already reads, without MongoDB.

Folders: ``olx_import`` (OLX export → Learning Core), ``snapshot`` (published state, read in bulk),
``compiled`` (Split documents stored per PublishLog), ``store`` (the read-only ModuleStore).
The public Python surface is :mod:`lc_modulestore.api`.
"""
