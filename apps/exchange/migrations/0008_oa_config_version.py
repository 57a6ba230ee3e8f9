import uuid

from django.db import migrations, models

# Tables whose rows web processes keep in memory (apps/exchange/config_cache.py): a change by
# any statement, from any process (the ORM, a bulk update, a shell, psql), gives the
# configuration a new version, so no process serves what it kept from before. SKU rules
# joined the list later (0009_auth_skurule_watched); a table added later gets its own
# migration, as this one's triggers are installed only once.
WATCHED = [
    "flows_flow",
    "systems_system",
    "ownership_businessowner",
    "ownership_fieldownership",
    "ownership_fieldownership_may_create",
    "ownership_fieldownership_may_update",
    "ownership_fieldownership_consumers",
]
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION exchange_config_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE exchange_configversion
    SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
SQLITE_BUMP = "UPDATE exchange_configversion SET token = lower(hex(randomblob(16))) WHERE id = 1"


def version_row(apps, schema_editor):
    # The row web processes read with each credential; without it nothing is kept.
    apps.get_model("exchange", "ConfigVersion").objects.get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex}
    )


def triggers_create(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(POSTGRES_FUNCTION)
        for table in WATCHED:
            # Once per statement, not per row: a bulk change costs one bump.
            run(
                f"CREATE TRIGGER config_version_bump AFTER INSERT OR UPDATE OR DELETE "
                f'OR TRUNCATE ON "{table}" FOR EACH STATEMENT '
                f"EXECUTE FUNCTION exchange_config_version_bump()"
            )
    elif schema_editor.connection.vendor == "sqlite":
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                run(
                    f'CREATE TRIGGER "config_version_{table}_{event.lower()}" AFTER {event} '
                    f'ON "{table}" BEGIN {SQLITE_BUMP}; END'
                )
    else:
        raise NotImplementedError(
            f"No configuration triggers for {schema_editor.connection.vendor}"
        )


def triggers_drop(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in WATCHED:
            run(f'DROP TRIGGER IF EXISTS config_version_bump ON "{table}"')
        run("DROP FUNCTION IF EXISTS exchange_config_version_bump()")
    elif schema_editor.connection.vendor == "sqlite":
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                run(f'DROP TRIGGER IF EXISTS "config_version_{table}_{event}"')


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0007_inbound_events_stock"),
        ("flows", "0005_resolution_sla_qwb"),
        ("ownership", "0002_escalation_contact"),
        ("systems", "0006_partner_webhook_api"),
    ]

    operations = [
        migrations.CreateModel(
            name="ConfigVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(version_row, migrations.RunPython.noop),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
