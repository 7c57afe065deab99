"""
App config: registers the course root container type with Learning Core, the compile after every
publish, the record of each compile, and the system checks.
"""

from django.apps import AppConfig


class LcModulestoreConfig(AppConfig):
    name = "lc_modulestore"
    label = "lc_modulestore"
    verbose_name = "Learning Core ModuleStore"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Learning Core builds container versions through this registry; without the pairing, a
        # CourseOutline version could not be created (ADR 0003: extend by 1:1 related models).
        from openedx_content.api import register_publishable_models

        from .courses.models import CourseOutline, CourseOutlineVersion

        register_publishable_models(CourseOutline, CourseOutlineVersion)

        from openedx_content.api import signals

        from .compiling.receivers import on_entities_published

        signals.ENTITIES_PUBLISHED.connect(on_entities_published, dispatch_uid="lc_modulestore.compile")

        from .compiling.compile_publish import compile_finished
        from .operations.checks import register_checks
        from .operations.records import on_compile_finished

        compile_finished.connect(on_compile_finished, dispatch_uid="lc_modulestore.record_compile")
        register_checks()
