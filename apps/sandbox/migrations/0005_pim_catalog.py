from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sandbox", "0004_one_receipt_per_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="PimProduct",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sku", models.CharField(max_length=60, unique=True)),
                ("name", models.CharField(blank=True, max_length=200)),
                ("description", models.TextField(blank=True)),
                ("unit", models.CharField(max_length=10)),
                ("category", models.CharField(blank=True, max_length=100)),
                ("attributes", models.JSONField(default=dict)),
                ("images", models.JSONField(default=list)),
                ("updated_at", models.DateTimeField(db_index=True)),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.CreateModel(
            name="SandboxBulkReceipt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("system", models.CharField(max_length=40)),
                (
                    "kind",
                    models.CharField(help_text="products, prices, inventory, ...", max_length=40),
                ),
                ("idempotency_key", models.CharField(blank=True, max_length=200)),
                ("count", models.PositiveIntegerField()),
                (
                    "keys",
                    models.JSONField(
                        default=list, help_text="The records' keys, in the order received."
                    ),
                ),
                ("items", models.JSONField(default=list)),
            ],
            options={
                "ordering": ["created_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("idempotency_key", ""), _negated=True),
                        fields=("system", "kind", "idempotency_key"),
                        name="sandbox_one_bulk_receipt_per_key",
                    )
                ],
            },
        ),
    ]
