"""
XBlocks read by their own class: the site's parser for the compiler (``compile.fields.parser``).

Where the site has a block's XBlock class installed, the component's fields are what that class's
``parse_xml`` gives, as in Studio's import (:mod:`.reading`); the rule table reads the built-in
types and any type whose class is absent (:mod:`.classes`). :mod:`.site` is the parser installed
into the compiler at app start; :mod:`.records` tells who read what (the compile stores each
reading with its parser: ``storage.writes``).
"""

from .classes import BUILT_IN_TYPES, ClassChoice, class_for, forget_classes
from .reading import ClassReadError, read_with_class, site_mixins
from .records import (
    BlockParser,
    absent_class_note,
    absent_class_notes,
    block_parsers,
    course_parsers,
    parser_name,
    stale_readings,
)
from .site import SiteParser, choice_for, install_site_parser

__all__ = [
    "BUILT_IN_TYPES",
    "BlockParser",
    "ClassChoice",
    "ClassReadError",
    "SiteParser",
    "absent_class_note",
    "absent_class_notes",
    "block_parsers",
    "choice_for",
    "class_for",
    "course_parsers",
    "forget_classes",
    "install_site_parser",
    "parser_name",
    "read_with_class",
    "site_mixins",
    "stale_readings",
]
