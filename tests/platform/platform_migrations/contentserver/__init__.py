"""The platform's ``contentserver`` models, migrated after ``auth`` (see the package)."""
