"""Beat's own tasks run on a queue of their own, and the documented workers listen to it, so
the delivery sweep never waits behind a backlog of orders."""

import re
from pathlib import Path

from django.conf import settings

from integration_hub.celery import app

README = Path(__file__).resolve().parents[2] / "README.md"


def queue_of(entry: dict) -> str:
    """Where Celery sends a beat entry's task: its options, else CELERY_TASK_ROUTES."""
    route = app.amqp.router.route(dict(entry.get("options", {})), entry["task"])
    return route["queue"].name


def test_every_beat_entry_is_routed_to_housekeeping_unless_it_names_a_flow_queue():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        queue = queue_of(entry)
        # Scheduled flow work (a nightly sync) may go to its flow's queue, by name; beat's
        # own tasks must not land on the default queue, behind whatever is there.
        named = entry.get("options", {}).get("queue")
        allowed = {settings.HUB_BEAT_QUEUE} | ({named} & set(settings.HUB_FLOW_QUEUES))
        assert queue in allowed, f"beat entry {name!r} goes to queue {queue!r}"


def test_the_sweep_and_the_alerts_run_on_housekeeping():
    tasks = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ("exchange.sweep_deliveries", "operations.evaluate_alerts"):
        assert queue_of(tasks[task]) == settings.HUB_BEAT_QUEUE


def test_the_readme_runs_a_worker_for_every_queue():
    commands = re.findall(r"celery -A integration_hub worker -Q (\S+)", README.read_text())
    served = {queue for command in commands for queue in command.split(",")}
    missing = {settings.HUB_BEAT_QUEUE, *settings.HUB_FLOW_QUEUES} - served
    assert not missing, f"no documented worker listens to {sorted(missing)}"
    # The housekeeping worker serves nothing that could queue up in front of the sweep.
    housekeeping = [c.split(",") for c in commands if settings.HUB_BEAT_QUEUE in c.split(",")]
    assert all(not set(queues) & set(settings.HUB_FLOW_QUEUES) for queues in housekeeping)
