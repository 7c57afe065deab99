"""The platform's ``static_replace`` models, migrated after ``auth`` (see the package)."""
