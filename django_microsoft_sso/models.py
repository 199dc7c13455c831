"""The link between a Django user and the Microsoft identity that signs in as them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
