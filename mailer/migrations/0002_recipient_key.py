"""Each outbox row gets the keyed digest of its recipient, so that deleting an account can
find and delete its rows (docs/security.md, finding 10)."""

from django.db import migrations, models


def fill_recipient_keys(apps, schema_editor):
    from mailer.crypto import recipient_key

    OutboundEmail = apps.get_model("mailer", "OutboundEmail")
    for email in OutboundEmail.objects.only("pk", "to").iterator():
        # Rows from before the one-recipient rule are keyed by their first recipient.
        key = recipient_key(email.to[0]) if email.to else ""
        OutboundEmail.objects.filter(pk=email.pk).update(recipient_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("mailer", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboundemail",
            name="recipient_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(fill_recipient_keys, migrations.RunPython.noop),
    ]
