"""``ENGINE: lc_modulestore.store.modulestore.LearningCoreModuleStore``, as README.rst configures it."""

from lc_modulestore.serving.modulestore import LearningCoreModuleStore

__all__ = ["LearningCoreModuleStore"]
