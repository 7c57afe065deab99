"""The tables of the platform's ``contentserver`` models (see tests/platform/platform_migrations)."""

from .. import initial_migration

Migration = initial_migration("contentserver")
