"""
Every model of the app, for Django to find: each table is defined with the part of the flow that
owns it (``courses``, ``importing``, ``storage``, ``serving``, ``operations``).
"""

from .courses.models import (
    BlockEntity,
    CourseBinding,
    CourseFile,
    CourseOutline,
    CourseOutlineVersion,
    VersionFieldData,
)
from .importing.models import ImportReport
from .operations.models import LastCompile
from .serving.models import CourseFlagOverride, OrgFlagOverride
from .storage.models import (
    CompiledDefinition,
    CompiledErrorBlock,
    CompiledStructure,
    CompileFailure,
    CourseIndex,
)

__all__ = [
    "BlockEntity",
    "CompileFailure",
    "CompiledDefinition",
    "CompiledErrorBlock",
    "CompiledStructure",
    "CourseBinding",
    "CourseFile",
    "CourseFlagOverride",
    "CourseIndex",
    "CourseOutline",
    "CourseOutlineVersion",
    "ImportReport",
    "LastCompile",
    "OrgFlagOverride",
    "VersionFieldData",
]
