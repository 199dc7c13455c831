"""The link between a Django user and the Microsoft identity that signs in as them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _


class MicrosoftSSOUser(models.Model):
    """One Microsoft identity, the pair (tenant id, object id), and the user it signs in as.

    Rows written by 7.x have no ``tenant_id``; the person's next sign-in fills it in.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    microsoft_id = models.CharField(
        _("object id"),
        max_length=255,
        blank=True,
        null=True,
        help_text=_("Entra object id (oid)."),
    )
    tenant_id = models.CharField(
        _("tenant id"), max_length=64, blank=True, null=True, help_text=_("Entra tenant id (tid).")
    )
    user_principal_name = models.CharField(
        _("user principal name"), max_length=255, blank=True, null=True
    )
    picture_raw = models.BinaryField(_("picture"), blank=True, null=True)
    locale = models.CharField(_("locale"), max_length=35, blank=True, null=True)
    mapped_flags = models.CharField(
        _("flags granted by group mapping"),
        max_length=40,
        blank=True,
        default="",
        editable=False,
        help_text=_(
            "is_staff / is_superuser as the group mapping granted them at the last sign-in."
        ),
    )
    deactivated_by_sync = models.BooleanField(
        _("deactivated by Microsoft"),
        default=False,
        editable=False,
        help_text=_(
            "The package deactivated this user because Entra disabled or deleted the account; "
            "only such a user is re-activated when Entra enables the account again."
        ),
    )

    class Meta:
        db_table = "microsoft_sso_user"
        verbose_name = _("Microsoft SSO User")
        verbose_name_plural = _("Microsoft SSO Users")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant_id", "microsoft_id"], name="microsoft_sso_user_identity"
            )
        ]

    def __str__(self) -> str:
        return self.user_principal_name or self.microsoft_id or str(self.pk)

    @property
    def picture(self) -> SafeString | None:
        """An ``<img>`` of the person's picture, as 7.x's property gave (75 pixels)."""
        return self.picture_html(75)

    def picture_html(self, size: int) -> SafeString | None:
        """An ``<img>`` of the picture, served by the picture view (which checks who may see it).

        Never inlined as data: the view checks that the bytes are an image first.
        """
        if not self.picture_raw:
            return None
        try:
            url = reverse("django_microsoft_sso:picture", args=[self.user_id])
        except NoReverseMatch:
            return None
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" class="microsoft-sso-picture">',
            url,
            size,
            size,
        )


class GroupMapping(models.Model):
    """One Entra group or app role, and what it grants in Django: kept in the database.

    Read at each sign-in together with ``MICROSOFT_SSO_GROUPS_MAP`` and
    ``MICROSOFT_SSO_ROLES_MAP``; see ``docs/groups.md``.
    """

    GROUP = "group"
    ROLE = "role"
    KIND_CHOICES = [(GROUP, _("Entra group (object id)")), (ROLE, _("app role (value)"))]

    kind = models.CharField(_("kind"), max_length=5, choices=KIND_CHOICES, default=GROUP)
    source = models.CharField(
        _("group id or role"),
        max_length=255,
        help_text=_("The Entra group's object id, or the app role's value."),
    )
    django_group = models.ForeignKey(
        "auth.Group",
        on_delete=models.CASCADE,
        blank=True,
        null=True,
        verbose_name=_("Django group"),
        help_text=_("Members are added to this group, and removed when they leave."),
    )
    is_staff = models.BooleanField(_("grants staff status"), default=False)
    is_superuser = models.BooleanField(
        _("grants superuser status"),
        default=False,
        help_text=_("Grants staff status too."),
    )

    class Meta:
        db_table = "microsoft_sso_group_mapping"
        verbose_name = _("Microsoft group mapping")
        verbose_name_plural = _("Microsoft group mappings")
        ordering = ["kind", "source"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source}"

    def clean(self) -> None:
        self.source = (self.source or "").strip()
        if self.kind == self.GROUP:
            self.source = self.source.lower()
        if not (self.django_group_id or self.is_staff or self.is_superuser):
            raise ValidationError(
                _(
                    "Choose a Django group, or staff or superuser status: a mapping must grant something."
                )
            )

    def beyond_powers_of(self, user: Any) -> dict[str, str]:
        """What this mapping grants that ``user`` may not hand out, as {field: why}; {} if nothing.

        Whoever may edit mappings could otherwise map their own Entra group or role to superuser:
        only an active superuser may grant staff or superuser status, or a Django group that
        holds a permission the editor lacks.
        """
        if getattr(user, "is_active", False) and getattr(user, "is_superuser", False):
            return {}
        found = {}
        if self.is_staff or self.is_superuser:
            found["is_superuser" if self.is_superuser else "is_staff"] = str(
                _("Only a superuser may grant staff or superuser status through a mapping.")
            )
        group = self.django_group if self.django_group_id else None
        if group is not None:
            needed = group.permissions.values_list("content_type__app_label", "codename")
            if not all(user.has_perm(f"{app}.{codename}") for app, codename in needed):
                found["django_group"] = str(
                    _(
                        "Only a superuser may map to the Django group %(group)s: it holds "
                        "permissions you do not have."
                    )
                    % {"group": group.name}
                )
        return found


class DirectorySyncState(models.Model):
    """Where ``microsoft_sso_sync`` stopped reading a tenant's directory: Graph's delta link."""

    tenant_id = models.CharField(_("tenant id"), max_length=64, unique=True)
    delta_link = models.TextField(_("delta link"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "microsoft_sso_directory_sync_state"
        verbose_name = _("Microsoft directory sync state")
        verbose_name_plural = _("Microsoft directory sync states")

    def __str__(self) -> str:
        return self.tenant_id


class UserSession(models.Model):
    """A server-side session a user signed in to, so that offboarding can end it.

    Django keeps no index from a user to their sessions: without this, ending them would mean
    reading and decoding every session there is (the database engine) or could not be done at
    all (the cache engine). A row is written at each login of a linked user; the user's rows older
    than a session can live are dropped at their next login.
    The key is sealed (AES-GCM under ``SECRET_KEY``): whoever reads this table cannot use it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    sealed_key = models.CharField(_("sealed session key"), max_length=255)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "microsoft_sso_user_session"
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return str(self.pk)


def __getattr__(name: str) -> Any:
    # 7.x had ``User = get_user_model()`` here; looked up when asked, after the apps are loaded.
    if name == "User":
        from django.contrib.auth import get_user_model

        return get_user_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
