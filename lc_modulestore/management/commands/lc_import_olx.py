"""``manage.py lc_import_olx PATH [--course-key KEY]``: import (or re-import) an OLX course export."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lc_modulestore.api import OlxImportError, import_olx


class Command(BaseCommand):
    help = "Import an OLX course export (a folder or a .tar.gz) into Learning Core and publish it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="export folder (holding course.xml) or .tar.gz of one")
        parser.add_argument("--course-key", help="course key to import as (default: the export's own)")
        parser.add_argument("--user-id", type=int, help="user recorded as author and publisher")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_olx(options["path"], options["course_key"], user_id=options["user_id"])
        except OlxImportError as exc:
            raise CommandError(f"Import failed, nothing was changed. {exc}") from exc
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        published = (
            f"published as PublishLog {result.publish_log_id}"
            if result.publish_log_id
            else "nothing changed, nothing published"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.course_key}: {result.blocks} blocks ({result.created} new,"
                f" {result.changed} changed, {result.unchanged} unchanged,"
                f" {result.deleted} deleted); {published}"
            )
        )
