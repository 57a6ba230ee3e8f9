import datetime

from django.db import migrations, models

import apps.flows.models

BUILD_STATUS_CHOICES = [
    ("implemented", "Implemented: the hub runs this flow"),
    ("not_built", "Not built yet: catalogued and owned, but nothing runs it"),
]
PATTERN_CHOICES = [
    ("batch_pull", "Batch pull: the hub pages through the source, then takes deltas"),
    ("scheduled_batch", "Scheduled batch: the source's export on a timetable"),
    ("batch_and_events", "Scheduled batch, with events between runs"),
    ("events", "Events: the source calls the hub's webhook as things happen"),
    ("real_time", "Real-time request: the sender waits for the hub's answer"),
    ("session", "Round-trip session: a buyer leaves their system and comes back"),
]
SCHEDULE_HELP = (
    "A cron line (`0 2 * * *`), an interval (`every 15 minutes`), "
    "or `on event` / `on request` for flows their sender starts."
)
SLA_HELP = "How far behind its source the target may fall before someone is alerted."
DRAINING_HELP = "Draining flows refuse new payloads and finish what is queued."


def _both(operation, **kwargs):
    """The same change to the flow table and its history table."""
    return [operation(model_name=m, **kwargs) for m in ("flow", "historicalflow")]


class Migration(migrations.Migration):
    # Rows from before the catalog get one-off values (preserve_default=False); seed_demo then
    # gives each its real pattern, schedule and SLA.

    dependencies = [
        ("flows", "0003_flow_is_active"),
    ]

    operations = [
        # Every flow that existed before the catalog was one the hub runs.
        *_both(
            migrations.AddField,
            name="build_status",
            field=models.CharField(
                choices=BUILD_STATUS_CHOICES, default="implemented", max_length=20
            ),
        ),
        *_both(
            migrations.AlterField,
            name="build_status",
            field=models.CharField(choices=BUILD_STATUS_CHOICES, default="not_built", max_length=20),
        ),
        *_both(
            migrations.AddField,
            name="pattern",
            field=models.CharField(choices=PATTERN_CHOICES, default="real_time", max_length=20),
            preserve_default=False,
        ),
        *_both(
            migrations.AddField,
            name="schedule",
            field=models.CharField(default="on request", help_text=SCHEDULE_HELP, max_length=60),
            preserve_default=False,
        ),
        *_both(
            migrations.AddField,
            name="schedule_description",
            field=models.CharField(
                default="Whenever a sender calls the hub",
                help_text="The schedule in plain English, as on-call reads it.",
                max_length=200,
            ),
            preserve_default=False,
        ),
        *_both(
            migrations.AddField,
            name="freshness_sla",
            field=models.DurationField(default=datetime.timedelta(hours=1), help_text=SLA_HELP),
            preserve_default=False,
        ),
        *_both(
            migrations.AddField,
            name="is_draining",
            field=models.BooleanField(default=False, help_text=DRAINING_HELP),
        ),
        *_both(
            migrations.AlterField,
            name="queue",
            field=models.CharField(
                choices=apps.flows.models.flow_queue_choices, default="events", max_length=40
            ),
        ),
    ]
