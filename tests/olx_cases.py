"""Small OLX exports written for these tests: a course from a dict of files, nothing else."""

from __future__ import annotations

from pathlib import Path

__all__ = ["COURSE_XML", "write_export"]

COURSE_XML = '<course url_name="2026" org="LCTest" course="T1"/>'


def write_export(root: Path, files: dict[str, str | bytes]) -> Path:
    """``files`` by path relative to the export; ``course.xml`` defaults to a pointer to the run 2026."""
    files = {"course.xml": COURSE_XML, **files}
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
    return root
