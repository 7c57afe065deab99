"""
A course's id generation: documents stored under an id never change.

Every cache of compiled documents is keyed on their ids: this process's decoded structures, the
shared structure cache, the LMS's course caches (docs/SPLIT_CONTRACT.md §9.3). Ids are derived
(compile.structure), so a compile giving other documents for the same publish (a block.xml
repaired in storage, a new parser) would derive the ids already in use. It moves the course to
its next generation instead, a namespace in which every id is new. Called under the course's lock.
"""

from __future__ import annotations

from itertools import batched
from typing import Final

from compile.structure import CompiledCourse

from ..courses.models import CourseBinding
from .codec import decode_structure, inflate, stored_json
from .models import CompiledDefinition, CompiledStructure

__all__ = ["ids_in_use", "lock_course", "next_id_generation"]

# Ids per ``IN (...)`` lookup: under SQLite's oldest limit of 999 bound parameters.
_IDS_PER_QUERY: Final = 900


def lock_course(binding: CourseBinding) -> None:
    """
    Take the course's lock (its binding row: every compile of either branch queues there) and
    read its id generation under it: another process may have moved it on since ``binding`` was
    loaded, and ids derived from an older one could name documents already stored.
    """
    locked = CourseBinding.objects.select_for_update().filter(pk=binding.pk).values_list("id_generation")
    row = locked.first()
    if row is None:
        raise CourseBinding.DoesNotExist(f"{binding.course_key}: the binding is gone")
    binding.id_generation = row[0]


def next_id_generation(binding: CourseBinding) -> int:
    """Move the course to its next id generation (under its lock): a compile's ids are then new."""
    binding.id_generation += 1
    CourseBinding.objects.filter(pk=binding.pk).update(id_generation=binding.id_generation)
    return binding.id_generation


def ids_in_use(binding: CourseBinding, compiled: CompiledCourse) -> list[str]:
    """
    The ids of ``compiled`` that already name another document: its structure's, when a stored
    structure of that id differs, and its definitions' (those this compile built), when a stored
    definition of that id does. Documents are immutable under their ids (every cache keys on
    them), so such a compile must move to new ids. Empty when it only compiled again what is
    stored (a recompile of the same publish is idempotent).
    """
    taken: list[str] = []
    structure_id = str(compiled.structure_id)
    stored = CompiledStructure.objects.filter(object_id=structure_id).values_list("data", flat=True).first()
    if stored is not None and decode_structure(bytes(stored)) != compiled.structure:
        taken.append(structure_id)
    built = {str(oid): document for oid, document in compiled.definitions.items()}
    if not built or not CompiledDefinition.objects.filter(binding=binding).exists():
        return taken  # a course's first compile: its ids derive from its package, nobody else's
    for chunk in batched(built, _IDS_PER_QUERY):
        rows = CompiledDefinition.objects.filter(object_id__in=chunk).values_list("object_id", "data")
        taken += [oid for oid, data in rows if inflate(bytes(data)) != stored_json(built[oid])]
    return taken
