from django.db import migrations

# Web processes keep each partner's system with its SKU rule in memory, read with the API
# credential (apps/api/services.py): a change to a rule, by any statement from any process,
# must give the configuration a new version as a change to the system does (0008).
WATCHED = ["catalog_skurule"]
SQLITE_BUMP = "UPDATE exchange_configversion SET token = lower(hex(randomblob(16))) WHERE id = 1"


def triggers_create(apps, schema_editor):
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        # exchange_config_version_bump() is 0008's, which drops it when reversed.
        for table in WATCHED:
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
    elif schema_editor.connection.vendor == "sqlite":
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                run(f'DROP TRIGGER IF EXISTS "config_version_{table}_{event}"')


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0008_oa_config_version"),
        ("catalog", "0004_inventory_as_of_stock"),
    ]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
