"""The dotted path operators put in ``settings.MODULESTORE``; the code lives in ``serving/``."""
