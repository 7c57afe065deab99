"""
App config: registers the course root container type with Learning Core, the compile after every
publish, the record of each compile, and the system checks.

It is also an Open edX platform plugin (edx-django-utils' ``plugin_app``, found through the
``lms.djangoapp`` and ``cms.djangoapp`` entry points in pyproject.toml): once installed, the LMS and
Studio add the app to ``INSTALLED_APPS`` themselves and run :mod:`lc_modulestore.plugin_settings`
at the end of their common and production settings.
"""

from django.apps import AppConfig
from edx_django_utils.plugins import PluginSettings

# edx-platform's names (openedx/core/djangoapps/plugins/constants.py: ProjectType, SettingsType),
# written out: that module is the platform's, not importable where the platform is not installed.
LMS, CMS = "lms.djangoapp", "cms.djangoapp"
COMMON, PRODUCTION = "common", "production"

_SETTINGS = {PluginSettings.RELATIVE_PATH: "plugin_settings"}


class LcModulestoreConfig(AppConfig):
    name = "lc_modulestore"
    label = "lc_modulestore"
    verbose_name = "Learning Core ModuleStore"
    default_auto_field = "django.db.models.BigAutoField"

    # One settings module for both: the production call repeats the common one's defaults harmlessly
    # and wraps the stores once the site's own MODULESTORE and CONTENTSTORE are read.
    plugin_app = {
        PluginSettings.CONFIG: {
            project: {COMMON: _SETTINGS, PRODUCTION: _SETTINGS} for project in (LMS, CMS)
        },
    }

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
        # The draft branch: compiled on every draft change, and after every compiled publish.
        from .compiling.compile_publish import course_published
        from .compiling.draft_receivers import on_course_published, on_entities_draft_changed

        signals.ENTITIES_DRAFT_CHANGED.connect(
            on_entities_draft_changed, dispatch_uid="lc_modulestore.drafts"
        )
        course_published.connect(on_course_published, dispatch_uid="lc_modulestore.drafts_follow")
        # Components are read by their own XBlock class where this process has it installed: the
        # same parser in every process of the site (publisher, Celery worker, commands).
        from .parsing.site import install_site_parser

        install_site_parser()
