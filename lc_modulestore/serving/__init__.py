"""
The serving path: the read-only ModuleStore the LMS configures (``modulestore``), its XBlock
runtime over one compiled structure (``runtime``, ``field_data``), and the per-course flag that
decides which courses Learning Core serves (``flags``).
"""
