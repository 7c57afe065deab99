"""
URLs for running this project on its own: the Django admin only (the LMS has its own); in the
platform test mode (settings/test.py), the platform's contentserver too, routed as the LMS routes it.
"""

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls)]

if apps.is_installed("openedx.core.djangoapps.contentserver"):
    urlpatterns.append(path("", include("openedx.core.djangoapps.contentserver.urls")))
