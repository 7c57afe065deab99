"""tutor-contrib-lc-modulestore: a Tutor plugin installing and configuring lc-modulestore."""

__version__ = "0.1.0"
