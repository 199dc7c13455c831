"""An admin site set up as the docs tell a project to: the user admin with the Microsoft inline.

The default ``admin.site`` stays as Django registered it, which proves the package leaves it alone.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from django_microsoft_sso.admin import MicrosoftSSOUserInline, sync_from_microsoft

site = admin.AdminSite(name="inline_admin")

# Django's UserAdmin fits Django's User only; a custom user model
# (tests.project.settings_custom_user) gets a plain ModelAdmin, so that this site passes the
# admin's checks with either.
BaseUserAdmin = UserAdmin if get_user_model() is User else admin.ModelAdmin


@admin.register(get_user_model(), site=site)
class ProjectUserAdmin(BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, MicrosoftSSOUserInline]
    actions = [*BaseUserAdmin.actions, sync_from_microsoft]
