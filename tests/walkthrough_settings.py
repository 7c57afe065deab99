"""
The walkthrough's settings: the embedded default an operator starts from (``settings.sqlite``),
with XBlock classes left out of reading. The test venv holds the platform extra's XBlocks (ora2
among them, without its Django apps), which an operator following the guide does not have.
"""

from settings.sqlite import *  # noqa: F403

LC_MODULESTORE_PARSE_WITH_XBLOCK_CLASSES = False
