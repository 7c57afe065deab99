"""
``manage.py lc_flag on|off|unset (COURSE_KEY ... | --org ORG ...) [--flag NAME]``: set or clear
overrides of the serving flag; ``lc_flag show COURSE_KEY ...``: what decides a course.

The global flag is django-waffle's (``manage.py waffle_flag NAME --create --everyone`` / ``--deactivate``,
or the Django admin); see :mod:`lc_modulestore.serving.flags`. A command runs outside any request, so
the effective values it prints take the global flag as on only when it is on for everyone.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator

from lc_modulestore.management.base import OperatorCommand
from lc_modulestore.models import CourseBinding
from lc_modulestore.serving.flags import (
    DEFAULT_FLAG_NAME,
    OverrideChange,
    ServingFlag,
    global_flag_state,
    normalize_course_key,
    set_course_override,
    set_org_override,
)

VALUES: dict[str, bool | None] = {"on": True, "off": False, "unset": None}


def _state(value: bool | None) -> str:
    return "unset" if value is None else ("on" if value else "off")


class Command(OperatorCommand):
    help = (
        "Force the Learning Core serving flag on or off for courses or orgs, clear such overrides "
        "(unset), or show what decides a course's value (course override > org override > global flag)."
    )
    examples = """
lc_flag on course-v1:OpenedX+DemoX+DemoCourse --note "pilot"
lc_flag off --org OpenedX
lc_flag unset course-v1:OpenedX+DemoX+DemoCourse     # back to the org override or the global flag
lc_flag show course-v1:OpenedX+DemoX+DemoCourse --json | jq .courses[0].enabled
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=[*VALUES, "show"])
        parser.add_argument("course_keys", nargs="*", metavar="COURSE_KEY")
        parser.add_argument(
            "--org",
            dest="orgs",
            nargs="+",
            action="extend",
            default=[],
            metavar="ORG",
            help="org override(s) instead of (or as well as) course overrides",
        )
        parser.add_argument(
            "--flag", default=DEFAULT_FLAG_NAME, help=f"flag name (default {DEFAULT_FLAG_NAME})"
        )
        parser.add_argument("--note", help="why (kept on the override row)")
        parser.add_argument("--json", action="store_true", help="print the effective values as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        flag_name: str = options["flag"]
        try:
            flag = ServingFlag(flag_name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        keys = [self._course_key(text) for text in options["course_keys"]]
        orgs: list[str] = options["orgs"]
        for org in orgs:
            if not CourseLocator.ALLOWED_ID_RE.match(org):
                raise CommandError(f"invalid org {org!r}")
        if not keys and not orgs:
            raise CommandError("name at least one COURSE_KEY or --org ORG")

        action: str = options["action"]
        as_json: bool = options["json"]
        if action == "show":
            if as_json:
                self.write_json(self._effective(flag, keys, orgs))
            else:
                self._show(flag, keys, orgs)
            self.summary(
                f"flag {flag.name}: {len(keys)} course(s), {len(orgs)} org(s) shown", as_json=as_json
            )
            return
        value = VALUES[action]
        with transaction.atomic():  # all or nothing
            course_changes = [set_course_override(flag_name, k, value, note=options["note"]) for k in keys]
            org_changes = [set_org_override(flag_name, o, value, note=options["note"]) for o in orgs]
        changed = sum(c.changed for c in [*course_changes, *org_changes])
        summary = (
            f"{action}: {changed} override(s) changed, {len(keys) + len(orgs) - changed} already {action}"
        )
        if as_json:
            self.write_json(self._effective(flag, keys, orgs))
            self.summary(summary, as_json=True)
            return
        for change in course_changes:
            self._report(change, "course")
            self.stdout.write(f"  effective: {flag.explain(change.target)}")
        for change in org_changes:
            self._report(change, "org")
            self.stdout.write(
                f"  effective for its courses without their own override: {flag.explain_org(change.target)}"
            )
            self._show_org_courses(flag, change.target)
        self.summary(summary)

    def _effective(self, flag: ServingFlag, keys: list[CourseKey], orgs: list[str]) -> dict[str, Any]:
        def entry(decision: Any) -> dict[str, Any]:
            return {"enabled": decision.enabled, "source": decision.source, "detail": decision.detail}

        return {
            "flag": flag.name,
            "global": global_flag_state(flag.name),
            "courses": [{"course_key": str(key), **entry(flag.explain(key))} for key in keys],
            "orgs": [{"org": org, **entry(flag.explain_org(org))} for org in orgs],
        }

    def _course_key(self, text: str) -> CourseKey:
        try:
            key = normalize_course_key(text)
        except InvalidKeyError as exc:
            raise CommandError(f"invalid course key {text!r}") from exc
        if key is None:
            raise CommandError(f"{text!r} names no course (org, course and run)")
        return key

    def _report(self, change: OverrideChange, kind: str) -> None:
        label = f"{kind} override for {change.target}"
        if change.changed:
            self.stdout.write(
                self.style.SUCCESS(f"{label}: {_state(change.previous)} -> {_state(change.current)}")
            )
        else:
            self.stdout.write(f"{label}: already {_state(change.current)}")

    def _show_org_courses(self, flag: ServingFlag, org: str) -> None:
        """The effective value of each course of the org bound to Learning Core."""
        keys = sorted(
            (
                key
                for key in CourseBinding.objects.values_list("course_key", flat=True)
                if key is not None and str(key.org).lower() == org.lower()
            ),
            key=str,
        )
        if not keys:
            self.stdout.write(f"  no course of {org} is bound to Learning Core")
        for key in keys:
            self.stdout.write(f"  {key}: {flag.explain(key)}")

    def _show(self, flag: ServingFlag, keys: list[CourseKey], orgs: list[str]) -> None:
        self.stdout.write(f"flag {flag.name}; global: {global_flag_state(flag.name)}")
        for key in keys:
            self.stdout.write(f"{key}: {flag.explain(key)}")
        for org in orgs:
            self.stdout.write(f"org {org} (courses without their own override): {flag.explain_org(org)}")
            self._show_org_courses(flag, org)
