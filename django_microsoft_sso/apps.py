from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjangoMicrosoftSSOConfig(AppConfig):
    name = "django_microsoft_sso"
    verbose_name = _("Microsoft SSO")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.test.signals import setting_changed

        from django_microsoft_sso import checks  # noqa: F401  (registers the system checks)
        from django_microsoft_sso.caches import reset_when_built_from
        from django_microsoft_sso.users import take_back_mapped_flags

        user_logged_in.connect(
            take_back_mapped_flags, dispatch_uid="django_microsoft_sso_take_back_mapped_flags"
        )
        setting_changed.connect(
            reset_when_built_from, dispatch_uid="django_microsoft_sso_reset_process_caches"
        )
