"""The admin of Microsoft identities, and an inline for the project's user admin.

The package registers a read-only admin for ``MicrosoftSSOUser`` and leaves the user admin as the
project registered it. To see a person's Microsoft identity on their user page, add the inline to
the user admin::

    from django.contrib import admin, messages
    from django.contrib.auth import get_user_model
    from django.contrib.auth.admin import UserAdmin

    from django_microsoft_sso.admin import MicrosoftSSOUserInline

    User = get_user_model()
    admin.site.unregister(User)


    @admin.register(User)
    class ProjectUserAdmin(UserAdmin):
        inlines = [*UserAdmin.inlines, MicrosoftSSOUserInline]

A project with its own user admin adds ``MicrosoftSSOUserInline`` to its ``inlines``, and the
action ``sync_from_microsoft`` to its ``actions`` (``actions = [*UserAdmin.actions,
sync_from_microsoft]``): it reads the selected people from Microsoft Graph and deactivates,
re-activates or updates them as ``manage.py microsoft_sso_sync`` would (see docs/lifecycle.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso.models import GroupMapping, MicrosoftSSOUser

if TYPE_CHECKING:
    InlineBase = admin.StackedInline[MicrosoftSSOUser, Any]
    ModelAdminBase = admin.ModelAdmin[MicrosoftSSOUser]
else:  # The admin classes are generic for type checkers only.
    InlineBase = admin.StackedInline
    ModelAdminBase = admin.ModelAdmin

IDENTITY_FIELDS = ("tenant_id", "microsoft_id", "user_principal_name", "locale", "picture")
THUMBNAIL_SIZE = 48


@admin.display(description=_("picture"))
def picture(link: MicrosoftSSOUser) -> SafeString | None:
    """A thumbnail of the person's picture, served by the picture view (never inlined)."""
    return link.picture_html(THUMBNAIL_SIZE)


class MicrosoftSSOUserInline(InlineBase):
    """The Microsoft identity of a user, read-only, for the project's user admin.

    Whoever may view the user sees it: the identity is part of the person's record.
    """

    model = MicrosoftSSOUser
    fields = IDENTITY_FIELDS
    readonly_fields = IDENTITY_FIELDS
    verbose_name = _("Microsoft identity")
    verbose_name_plural = _("Microsoft identity")
    extra = 0
    max_num = 1
    can_delete = False
    picture = staticmethod(picture)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        opts = self.parent_model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in ("view", "change")
        ) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def may_sync(request: HttpRequest) -> bool:
    """Whoever may change users may have them synced from Microsoft (which may deactivate them)."""
    opts = get_user_model()._meta
    return bool(request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"))


def sync_links(modeladmin: Any, request: HttpRequest, links: QuerySet[MicrosoftSSOUser]) -> None:
    """Read the people of ``links`` from Microsoft and apply what Entra says, with a message.

    Through ``directory.sync_people``: the directory sync's own code, one person at a time.
    """
    # directory.py reads the people from Graph, then hands each to lifecycle.apply.
    from django_microsoft_sso.directory import (  # type: ignore[import-not-found,unused-ignore]
        DirectorySyncError,
        sync_people,
    )

    if not may_sync(request):
        modeladmin.message_user(
            request, _("You may not change users, so you may not sync them."), messages.ERROR
        )
        return
    try:
        outcomes = sync_people(list(links.select_related("user")), update=True)
    except DirectorySyncError as error:
        modeladmin.message_user(
            request,
            _("Microsoft could not be read; nobody was changed: %(error)s") % {"error": error},
            messages.ERROR,
        )
        return
    counts = dict.fromkeys(("deactivated", "reactivated", "updated", "unchanged"), 0)
    skipped = 0
    for outcome in outcomes:
        if outcome.action in counts:
            counts[outcome.action] += 1
        else:
            skipped += 1
    message = (
        _(
            "Synced from Microsoft: %(deactivated)d deactivated, %(reactivated)d re-activated, "
            "%(updated)d updated, %(unchanged)d unchanged."
        )
        % counts
    )
    if skipped:
        message += " " + _(
            "Skipped: %(count)d (no link, or a tenant not trusted for mapping)."
        ) % {"count": skipped}
    modeladmin.message_user(request, message, messages.SUCCESS)


@admin.action(description=_("Sync from Microsoft"), permissions=["change"])
def sync_from_microsoft(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    """The user admin's action: the selected users that have a Microsoft link."""
    sync_links(modeladmin, request, MicrosoftSSOUser.objects.filter(user__in=queryset))


@admin.register(MicrosoftSSOUser)
class MicrosoftSSOUserAdmin(ModelAdminBase):
    """Microsoft identities, read-only: they are written by sign-ins, never by hand.

    Deleting one (with the delete permission) unlinks the user from that Microsoft identity.
    """

    list_display = ("user", "user_principal_name", "tenant_id", "microsoft_id")
    list_select_related = ("user",)
    list_filter = ("tenant_id",)
    search_fields = ("user_principal_name", "tenant_id", "microsoft_id")
    fields = ("user", *IDENTITY_FIELDS)
    readonly_fields = ("user", *IDENTITY_FIELDS)
    actions = ["sync_from_microsoft"]
    picture = staticmethod(picture)

    @admin.action(description=_("Sync from Microsoft"), permissions=["sync"])
    def sync_from_microsoft(
        self, request: HttpRequest, queryset: QuerySet[MicrosoftSSOUser]
    ) -> None:
        sync_links(self, request, queryset)

    def has_sync_permission(self, request: HttpRequest) -> bool:
        return may_sync(request)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return [*self.search_fields, f"user__{get_user_model().USERNAME_FIELD}"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: MicrosoftSSOUser | None = None
    ) -> bool:
        return False


# The names 7.x documented (admin.md, troubleshooting.md) for a project's own user admin.
MicrosoftSSOInlineAdmin = MicrosoftSSOUserInline


def get_current_user_and_admin() -> tuple[type[Model], admin.ModelAdmin[Any] | None, type[Any]]:
    """The user model, its admin as registered now (or None), and that admin's class.

    The class is Django's ``UserAdmin`` when the user model has no admin yet. 7.x's docs use the
    three to register the user admin again with ``MicrosoftSSOInlineAdmin`` among its inlines.
    """
    from django.contrib.auth.admin import UserAdmin

    user_model = get_user_model()
    registered = admin.site._registry.get(user_model)
    return user_model, registered, UserAdmin if registered is None else type(registered)


if TYPE_CHECKING:
    GroupMappingAdminBase = admin.ModelAdmin[GroupMapping]
else:
    GroupMappingAdminBase = admin.ModelAdmin


class GroupMappingForm(forms.ModelForm):  # type: ignore[type-arg]
    """The mapping form, which refuses to grant more than its editor holds."""

    editor: Any = None  # the user editing, set by ``GroupMappingAdmin.get_form``

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        proposed = GroupMapping(
            django_group=cleaned.get("django_group"),
            is_staff=bool(cleaned.get("is_staff")),
            is_superuser=bool(cleaned.get("is_superuser")),
        )
        refused = proposed.beyond_powers_of(self.editor)
        if refused:
            # Not field errors: those would drop the fields and hide what was refused.
            raise ValidationError(list(refused.values()))
        return cleaned


@admin.register(GroupMapping)
class GroupMappingAdmin(GroupMappingAdminBase):
    """Entra groups and app roles and what they grant, read at each sign-in (see docs/groups.md).

    A mapping that grants staff or superuser status, or a Django group with permissions the
    editor lacks, is a superuser's to add, change or delete: others see it read-only.
    """

    form = GroupMappingForm
    list_display = ("source", "kind", "django_group", "is_staff", "is_superuser")
    list_filter = ("kind", "is_staff", "is_superuser")
    list_select_related = ("django_group",)
    search_fields = ("source", "django_group__name")
    fields = ("kind", "source", "django_group", "is_staff", "is_superuser")

    def get_form(  # type: ignore[override]
        self, request: HttpRequest, obj: GroupMapping | None = None, **kwargs: Any
    ) -> type[GroupMappingForm]:
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def has_change_permission(self, request: HttpRequest, obj: GroupMapping | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and not (obj and obj.beyond_powers_of(request.user))

    def has_delete_permission(self, request: HttpRequest, obj: GroupMapping | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and not (obj and obj.beyond_powers_of(request.user))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The "delete selected" action asks only for the model's permission, not each row's.
        deleted, counts, needed, protected = super().get_deleted_objects(objs, request)
        if any(mapping.beyond_powers_of(request.user) for mapping in objs):
            needed.add(str(self.opts.verbose_name))
        return deleted, counts, needed, protected
