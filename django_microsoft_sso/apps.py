from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _

ADMIN_APP = "django.contrib.admin"
LOGIN_TEMPLATE = "microsoft_sso/login.html"


class DjangoMicrosoftSSOConfig(AppConfig):
    name = "django_microsoft_sso"
    verbose_name = _("Microsoft SSO")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models import signals
        from django.test.signals import setting_changed

        from django_microsoft_sso import checks  # noqa: F401  (registers the system checks)
        from django_microsoft_sso.caches import reset_when_built_from
        from django_microsoft_sso.groups import forget_database_rows
        from django_microsoft_sso.lifecycle import remember_session
        from django_microsoft_sso.mapped_privileges import take_back_mapped_flags

        user_logged_in.connect(
            take_back_mapped_flags, dispatch_uid="django_microsoft_sso_take_back_mapped_flags"
        )
        user_logged_in.connect(
            remember_session, dispatch_uid="django_microsoft_sso_remember_session"
        )
        setting_changed.connect(
            reset_when_built_from, dispatch_uid="django_microsoft_sso_reset_process_caches"
        )
        # A changed mapping row, or a renamed or deleted Django group, is read again at the next
        # sign-in.
        for sender in (self.get_model("GroupMapping"), "auth.Group"):
            signals.post_save.connect(
                forget_database_rows, sender=sender, dispatch_uid=f"microsoft_sso_rows_{sender}"
            )
            signals.post_delete.connect(
                forget_database_rows,
                sender=sender,
                dispatch_uid=f"microsoft_sso_rows_del_{sender}",
            )

        self.show_button_after_the_admin()

    def show_button_after_the_admin(self) -> None:
        """Give the admin our login template when ours cannot take its place.

        The package's ``admin/login.html`` adds the button only when Django finds it before the
        admin's own, i.e. with the package listed before ``django.contrib.admin``. 7.x's docs show
        it listed after, where 7.x set the admin's ``login_template``; so does this, once the
        admin (and the apps it autodiscovered) has had its say: a login template that a project,
        a theme or another provider app chose is left alone.
        """
        names = [config.name for config in apps.get_app_configs()]
        if ADMIN_APP not in names or names.index(ADMIN_APP) > names.index(self.name):
            return
        from django.contrib.admin import site

        if site.login_template is None:
            site.login_template = LOGIN_TEMPLATE
