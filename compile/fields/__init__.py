"""
One OLX element → its XBlock field values, split into Scope.settings and Scope.content.

This is a static rule table standing in for the XBlock classes edx-platform's XML import would
load (``XmlMixin.load_metadata`` / ``load_definition`` / ``clean_metadata_from_xml`` /
``deserialize_field``, ``VideoBlock.parse_video_xml``, ``CourseBlock.definition_from_xml``, ...).
It needs no XBlock class, no Django and no database, and gives the same answer for the same
element every time. The values are the ones a Split document stores after that import, i.e.
``field.to_json(field.from_json(deserialize_field(field, attribute)))``, JSON-serializable.

Settings (the structure's block ``fields``)
    Every attribute of the element is looked up in :data:`COMMON_FIELDS` (fields every block has in
    the LMS: XBlock core, ``XModuleMixin``, ``InheritanceMixin``, ``LmsBlockMixin``) and in the
    block type's :data:`TYPE_FIELDS`, and converted for its type tag (:class:`Kind`):

    * a value is first ``json.loads``-ed, as ``deserialize_field`` does: ``"null"`` is None for
      every type, ``'"x"'`` is ``"x"``, and a JSON value of the wrong type falls back to the raw text;
    * string → str; boolean → bool (``true``/``false`` in any case, JSON numbers, ``null`` → False as
      ``Boolean.from_json(None)`` gives); integer/float → number (``""`` → None);
      date → normalized ISO-8601 UTC string (``"2026-03-01T00:00:00+00:00"``, naive = UTC; turned
      into a datetime only by :func:`to_structure_value`); timedelta (``graceperiod``) → a string,
      as ``Timedelta.to_json`` writes it (``"1 day 2 hours"`` → ``"1 days 7200 seconds"``);
      relative time (video ``start_time``/``end_time``) → ``"HH:MM:SS"``;
      dict/list → the parsed JSON; references (split_test, conditional) → ``[block_type, block_id]``.
    * A value its type cannot hold (``weight="heavy"``, a date that does not parse, ``graded="yes"``)
      does not raise: the raw text goes to ``xml_attributes`` instead, so nothing is lost, the
      field keeps its default, and ``RealizedFields.unreadable`` says so (the importer warns).
      Except for the fields that restrict access (``rules.FAIL_CLOSED``): there the default would
      open the block to everyone, so an unreadable ``group_access`` or ``visible_to_staff_only``
      makes the block visible to staff only, an unreadable ``hide_from_toc`` hides it, and an
      unreadable ``start`` is ``rules.FAR_FUTURE``.
    * An attribute no rule knows for a *modelled* block type (one in :data:`TYPE_FIELDS`) is kept, as
      the raw string, in the settings field ``xml_attributes`` (a dict), as ``load_metadata`` does.
      ``xml_attributes`` is only present when it is not empty.
    * Block types the table does not model (pure XBlocks installed separately: drag-and-drop-v2,
      openassessment, xblock-poll, lti_consumer, ...) follow ``XBlock.parse_xml`` instead: every
      attribute is a settings field of that name (common fields typed, the others ``json.loads``-ed
      when they parse, else kept as strings), ``<option:field>`` children included. Their other
      child elements (an ORA's rubric, ...) are not fields and are not read. That is the fallback:
      where the site has the block's class installed, the class's own ``parse_xml`` reads it
      (:mod:`compile.fields.parser`, ``lc_modulestore.parsing``).
    * ``xml_attributes["filename"]`` (the file ``XmlMixin.parse_xml`` records a block was read
      from) is not read from the element, which cannot say: the compile adds the file the importer
      read the block from (``BlockEntity.xml_filenames``) to the types whose Open edX class keeps
      one (:data:`rules.XML_FILENAME_TYPES`), as Studio's import stores it
      (:func:`resolve_xml_filename`).
    * Never fields: ``url_name`` (identity), ``filename`` (the importer has inlined the body),
      ``xblock-family``, ``x-is-pointer-node``, ``data_dir``, ``course``, ``org``, ``xml_attributes``
      and the draft-wiring ``parent_url`` / ``parent_sequential_url`` / ``index_in_children_list``.
      ``tabs``, ``grading_policy`` and ``discussion_blackouts`` are dropped too (edx-platform only takes
      them from policy files), except on ``course``, whose table types them.

Content (the definition's ``fields``)
    * html, about, course_info, static_tab: ``data`` = the element's inner body (text + serialized
      child nodes, ``stringify_children``), non-ASCII characters kept literal.
    * problem: ``data`` = the ``<problem>`` element with every attribute that is a settings field
      removed (``clean_metadata_from_xml``; unknown attributes stay, in ``data`` and in
      ``xml_attributes``), re-parsed with blank text removed and pretty-printed, exactly as the
      legacy import's ``EDX_XML_PARSER`` + ``definition_from_xml`` do for ``problem/x.xml``.
    * lti, annotatable, word_cloud: ``data`` the same way, or ``""`` when nothing but settings is left.
    * poll_question: ``answers`` = ``[{"id", "text"}]`` from ``<answer id=...>`` children, ``question``
      = the inner markup of the rest (no ``<answer>`` gives ``answers=[]`` instead of an error).
    * video: no ``data``. The legacy import never sets it (``parse_video_xml`` returns settings only)
      and the new runtime neither; ``<source>``, ``<track>``, ``<handout>`` and ``<transcript>``
      children are settings (``html5_sources``, ``track``, ``handout``, ``transcripts``, overridden by
      the attributes of the same name), ``youtube="1.00:id,..."`` sets ``youtube_id_*``, and
      ``<video_asset>`` belongs to edx-val, not to the block. Only a ``license`` attribute is content.
    * course: ``textbooks`` (list of ``[title, book_url]``, always present) from ``<textbook>``
      children; ``<wiki slug=...>`` gives ``wiki_slug`` (content, as edx-platform declares it).
      ``grading_policy``, ``certificate_available_date`` and ``license`` are content when given as
      attributes. What ``CourseBlock`` and Studio's import add to the course root (the default
      ``wiki_slug``, the General discussion topic, no default grading policy, ``show_timezone``'s
      migration) is :mod:`compile.fields.course`, applied by the compile.
    * split_test: ``user_partition_id`` and ``group_id_to_child``; conditional: ``conditional_attr`` /
      ``conditional_value`` (from a ``correct=``/``attempted=``/... attribute), ``conditional_message``
      (``message=``), ``show_tag_list`` (``<show sources="...">``; the compile also lists
      those references as children, as edx-platform does). ``sources=`` stays in ``xml_attributes``,
      where ConditionalBlock reads it.
    * Fields whose scope is content are content even when given as attributes (``items`` of
      course_info, ``license``, ...).

Children
    Child elements that are blocks (children of :data:`CONTAINER_TYPES` and of
    :data:`BLOCK_TYPES_WITH_CHILDREN`) are not fields and are ignored: the caller handles children.
    A conditional's ``<show>`` elements are not blocks (they only reference blocks elsewhere).

Deliberate differences from edx-platform's import
    * A value that does not convert goes to ``xml_attributes``; edx-platform stores the raw text and
      fails when the block loads, or (Boolean) silently reads anything but "true" as False.
    * A video ``handout`` is not rewritten for the target course, and an empty ``edx_video_id`` is not
      replaced by the id edx-val would generate on import.
    * A conditional whose OLX uses the field names (``conditional_message=`` ...) rather than the
      export's ``message=`` keeps them; edx-platform would overwrite them with the defaults.
    * A ``<meta>`` child (JSON metadata in 2012-era OLX) is not read.
"""

from .parser import (
    RULE_TABLE,
    RULE_TABLE_PARSER,
    FieldParser,
    ParserFailure,
    cached_reading_fresh,
    install_parser,
    installed_parser,
    parser_number,
)
from .readers import RealizedFields, Unreadable, realize_fields, resolve_xml_filename, show_sources
from .rules import (
    COMMON_FIELDS,
    CONTENT,
    PARSER_VERSION,
    SETTINGS,
    TYPE_FIELDS,
    FieldRule,
    Kind,
    date_field_names,
)
from .values import to_structure_value

__all__ = [
    "COMMON_FIELDS",
    "CONTENT",
    "PARSER_VERSION",
    "RULE_TABLE",
    "RULE_TABLE_PARSER",
    "SETTINGS",
    "TYPE_FIELDS",
    "FieldParser",
    "FieldRule",
    "Kind",
    "ParserFailure",
    "RealizedFields",
    "Unreadable",
    "cached_reading_fresh",
    "date_field_names",
    "install_parser",
    "installed_parser",
    "parser_number",
    "realize_fields",
    "resolve_xml_filename",
    "show_sources",
    "to_structure_value",
]
