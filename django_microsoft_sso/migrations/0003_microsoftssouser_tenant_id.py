import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def lowercase_object_ids(apps, schema_editor):
    """Graph ids are GUIDs; compare them in one case from now on."""
    MicrosoftSSOUser = apps.get_model("django_microsoft_sso", "MicrosoftSSOUser")
    for link in MicrosoftSSOUser.objects.exclude(microsoft_id=None).only("microsoft_id"):
        if link.microsoft_id != link.microsoft_id.lower():
            link.microsoft_id = link.microsoft_id.lower()
            link.save(update_fields=["microsoft_id"])


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_microsoft_sso", "0002_microsoftssouser_user_principal_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="microsoftssouser",
            options={
                "verbose_name": "Microsoft SSO User",
                "verbose_name_plural": "Microsoft SSO Users",
            },
        ),
        migrations.AddField(
            model_name="microsoftssouser",
            name="tenant_id",
            field=models.CharField(
                blank=True,
                help_text="Entra tenant id (tid).",
                max_length=64,
                null=True,
                verbose_name="tenant id",
            ),
        ),
        migrations.AlterField(
            model_name="microsoftssouser",
            name="locale",
            field=models.CharField(blank=True, max_length=35, null=True, verbose_name="locale"),
        ),
        migrations.AlterField(
            model_name="microsoftssouser",
            name="microsoft_id",
            field=models.CharField(
                blank=True,
                help_text="Entra object id (oid).",
                max_length=255,
                null=True,
                verbose_name="object id",
            ),
        ),
        migrations.AlterField(
            model_name="microsoftssouser",
            name="picture_raw",
            field=models.BinaryField(blank=True, null=True, verbose_name="picture"),
        ),
        migrations.AlterField(
            model_name="microsoftssouser",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="microsoftssouser",
            name="user_principal_name",
            field=models.CharField(
                blank=True, max_length=255, null=True, verbose_name="user principal name"
            ),
        ),
        migrations.RunPython(lowercase_object_ids, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="microsoftssouser",
            constraint=models.UniqueConstraint(
                fields=("tenant_id", "microsoft_id"), name="microsoft_sso_user_identity"
            ),
        ),
    ]
