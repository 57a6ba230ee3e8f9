from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_historicalproduct_attributes_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="content_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalproduct",
            name="content_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="product",
            name="source_sku",
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
        migrations.AddField(
            model_name="historicalproduct",
            name="source_sku",
            field=models.CharField(blank=True, editable=False, max_length=60),
        ),
    ]
