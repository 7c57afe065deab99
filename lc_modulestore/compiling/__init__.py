"""
From a Learning Core publish to a live compiled structure: read the published state
(``published_state``), compile and store it (``compile_publish``), on every publish (``receivers``).
"""
