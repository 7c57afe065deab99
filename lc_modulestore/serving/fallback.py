"""
The store a LearningCoreModuleStore hands every other course to, and the platform's types it
answers with: edx-platform's when installed, look-alikes of the same shape otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from opaque_keys.edx.locator import CourseLocator

from compile.vocabulary import ROOT_KEY

__all__ = ["CourseSummary", "build_fallback", "course_summary_class", "load_object", "loaded_on_call"]


def load_object(dotted: str) -> Any:
    """``'pkg.module.Name'`` (or ``'pkg.module:Name'``) → the object."""
    module, _, name = dotted.replace(":", ".").rpartition(".")
    return getattr(import_module(module), name)


def loaded_on_call(dotted: str) -> Callable[..., Any]:
    """
    The function at ``dotted``, imported when first called: a store is built when settings load
    (Split's own ``render_template`` option is such a path), before the module may be importable.
    """

    def call(*args: Any, **kwargs: Any) -> Any:
        return load_object(dotted)(*args, **kwargs)

    call.__qualname__ = call.__name__ = dotted.rpartition(".")[2]
    return call


def build_fallback(
    spec: str | dict[str, Any],
    *,
    xblock_mixins: tuple[type, ...],
    branch_setting_func: Any,
    contentstore: Any = None,
    i18n_service: Any = None,
    fs_service: Any = None,
    user_service: Any = None,
    signal_handler: Any = None,
) -> Any:
    """
    The fallback store from its ``MODULESTORE`` entry (or a bare engine path), built as the
    platform builds every store (``create_modulestore_instance``, which adds the LMS's mixins and
    services); outside the platform, the engine class called with the same arguments.
    """
    if isinstance(spec, str):
        spec = {"ENGINE": spec}
    engine, doc_store_config = spec["ENGINE"], spec.get("DOC_STORE_CONFIG", {})
    options = dict(spec.get("OPTIONS", {}))
    try:
        from xmodule.modulestore.django import create_modulestore_instance
    except ImportError:
        return load_object(engine)(
            doc_store_config=doc_store_config,
            xblock_mixins=xblock_mixins,
            branch_setting_func=branch_setting_func,
            contentstore=contentstore,
            i18n_service=i18n_service,
            fs_service=fs_service,
            user_service=user_service,
            signal_handler=signal_handler,
            **options,
        )
    return create_modulestore_instance(
        engine, contentstore, doc_store_config, options, i18n_service=i18n_service,
        fs_service=fs_service, user_service=user_service, signal_handler=signal_handler,
    )  # fmt: skip


def course_summary_class() -> Any:
    """
    edx-platform's ``CourseSummary`` when it is importable now, else the look-alike: resolved at
    each call, so summaries are the platform's even when this module was imported first.
    """
    try:  # where Split imports it from (a heavy module: imported on first use, not at start-up)
        from xmodule.course_block import CourseSummary as platform_summary
    except ImportError:
        return CourseSummary
    return platform_summary


class CourseSummary:
    """Look-alike of edx-platform's CourseSummary: a course's key and a few root fields."""

    course_info_fields = ["display_name", "display_coursenumber", "display_organization", "end"]

    def __init__(
        self,
        course_locator: CourseLocator,
        display_name: str = "Empty",
        display_coursenumber: str | None = None,
        display_organization: str | None = None,
        end: Any = None,
    ) -> None:
        self.display_coursenumber = display_coursenumber or course_locator.course
        self.display_organization = display_organization or course_locator.org
        self.display_name = display_name
        self.id = course_locator
        self.location = course_locator.make_usage_key(*ROOT_KEY)
        self.end = end
