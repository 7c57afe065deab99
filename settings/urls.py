"""URLs for running this project on its own: the Django admin only (the LMS has its own)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
