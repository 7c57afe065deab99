"""
The operator's steps as ``tutor local|dev|k8s do`` jobs, each running one of lc-modulestore's
management commands in the LMS job container: ``lc-import`` (lc_import_olx), ``lc-compile``
(lc_compile), ``lc-status`` (lc_status) and ``lc-flag`` (lc_flag).

A job yields ``(service, shell command)``; Tutor renders the command as a Jinja template, then runs
it with ``sh -e -c`` in the service's job container (working directory ``/openedx/edx-platform``).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator

import click

__all__ = ["COMMANDS", "CONTAINER_DATA_DIR", "DOWNLOADED_EXPORT", "SERVICE"]

SERVICE = "lms"
# The job container's data folder: `tutor local` and `tutor dev` mount $(tutor config
# printroot)/data/lms-job there.
CONTAINER_DATA_DIR = "/openedx/data"
# Where an export given as a URL is downloaded to, in the job container.
DOWNLOADED_EXPORT = "/tmp/lc-modulestore-export.tar.gz"


def _literal(command: str) -> str:
    """The command kept as it is through Tutor's Jinja rendering (a ``{{`` in a note, a path)."""
    if not any(mark in command for mark in ("{{", "{%", "{#")):
        return command
    if "endraw" in command:
        raise click.UsageError("an argument contains 'endraw', which Tutor's templates cannot pass on")
    return "{% raw %}" + command + "{% endraw %}"


def _manage(command: str, *args: str) -> str:
    return _literal(shlex.join(["./manage.py", SERVICE, command, *args]))


def _container_path(path: str) -> str:
    return path if path.startswith("/") else f"{CONTAINER_DATA_DIR}/{path}"


@click.command("lc-import", short_help="Import an OLX course export into Learning Core (lc_import_olx)")
@click.argument("path")
@click.option("--course-key", metavar="KEY", help="Course key to import as (default: the export's own).")
@click.option("--strict", is_flag=True, help="Refuse an export with any error or warning, changing nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print what was imported, problems included, as JSON.")
def lc_import(path: str, course_key: str | None, strict: bool, as_json: bool) -> Iterator[tuple[str, str]]:
    """
    Import an OLX course export (a folder holding course.xml, or a .tar.gz of one) into Learning
    Core and publish it: `manage.py lms lc_import_olx PATH`. The publish compiles it. Every problem
    of the export is listed (severity, file:line, block, what was done about it).

    PATH is read in the LMS job container. A relative PATH is under /openedx/data, which `tutor
    local` and `tutor dev` mount from $(tutor config printroot)/data/lms-job/ on the host: copy the
    export there. An http(s):// URL of a .tar.gz is downloaded first (for `tutor k8s`).
    """
    args = [*(["--course-key", course_key] if course_key else []), *(["--strict"] if strict else [])]
    args += ["--json"] if as_json else []
    if not path.startswith(("http://", "https://")):
        yield SERVICE, _manage("lc_import_olx", _container_path(path), *args)
        return
    # One task: each task is a container of its own, and the download stays in this one.
    download = [
        "curl",
        "--fail",
        "--silent",
        "--show-error",
        "--location",
        "--output",
        DOWNLOADED_EXPORT,
        path,
    ]
    importing = ["./manage.py", SERVICE, "lc_import_olx", DOWNLOADED_EXPORT, *args]
    yield SERVICE, _literal(f"{shlex.join(download)} && {shlex.join(importing)}")


@click.command("lc-compile", short_help="Compile courses' latest Learning Core publish (lc_compile)")
@click.argument("course_keys", nargs=-1, metavar="[COURSE_KEY]...")
@click.option("--all", "all_courses", is_flag=True, help="Every course bound to a learning package.")
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of patching (after an upgrade).")
@click.option(
    "--branch",
    type=click.Choice(["published", "draft", "both"]),
    help="The published structure (the default), the drafts' (LMS preview), or both.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one report per course as JSON.")
def lc_compile(
    course_keys: tuple[str, ...], all_courses: bool, full: bool, branch: str | None, as_json: bool
) -> Iterator[tuple[str, str]]:
    """
    Compile the latest Learning Core publish of courses into what the LMS reads: `manage.py lms
    lc_compile`. A course already current is left alone (unless --full); a failed compile changes
    nothing that is served.
    """
    if not course_keys and not all_courses:
        raise click.UsageError("name at least one COURSE_KEY, or --all")
    args = [*course_keys, *(["--all"] if all_courses else []), *(["--full"] if full else [])]
    args += [*(["--branch", branch] if branch else []), *(["--json"] if as_json else [])]
    yield SERVICE, _manage("lc_compile", *args)


@click.command("lc-status", short_help="Say where courses stand in Learning Core (lc_status)")
@click.argument("course_keys", nargs=-1, metavar="[COURSE_KEY]...")
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def lc_status(course_keys: tuple[str, ...], as_json: bool) -> Iterator[tuple[str, str]]:
    """
    Say where courses stand: bound to Learning Core, compiled from which publish, served or not
    (and which flag override decides), files, last compile and import: `manage.py lms lc_status`.
    Without COURSE_KEY, every bound course. Fails when a named course needs attention.
    """
    yield SERVICE, _manage("lc_status", *course_keys, *(["--json"] if as_json else []))


@click.command("lc-flag", short_help="Serve courses from Learning Core, or not (lc_flag on|off|unset|show)")
@click.argument("action", type=click.Choice(["on", "off", "unset", "show"]))
@click.argument("course_keys", nargs=-1, metavar="[COURSE_KEY]...")
@click.option("--org", "orgs", multiple=True, metavar="ORG", help="An org's override (repeatable).")
@click.option("--note", help="Why (kept on the override row).")
@click.option("--json", "as_json", is_flag=True, help="Print the effective values as JSON.")
def lc_flag(
    action: str, course_keys: tuple[str, ...], orgs: tuple[str, ...], note: str | None, as_json: bool
) -> Iterator[tuple[str, str]]:
    """
    Turn a course (or an org) on: served from Learning Core at the next request, no restart; off:
    served by Split; unset: back to the org override or the global flag; show: what decides.
    `manage.py lms lc_flag ACTION`. Takes effect where LC_MODULESTORE_SERVE is on (the stores are
    in front of Split).
    """
    if not course_keys and not orgs:
        raise click.UsageError("name at least one COURSE_KEY, or --org ORG")
    args = [action, *course_keys, *(arg for org in orgs for arg in ("--org", org))]
    args += [*(["--note", note] if note else []), *(["--json"] if as_json else [])]
    yield SERVICE, _manage("lc_flag", *args)


COMMANDS: list[click.Command] = [lc_import, lc_compile, lc_status, lc_flag]
