"""The tables of the platform's ``static_replace`` models (see tests/platform/platform_migrations)."""

from .. import initial_migration

Migration = initial_migration("static_replace")
