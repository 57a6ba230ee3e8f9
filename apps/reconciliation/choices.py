from django.db import models


class RunStatus(models.TextChoices):
    RUNNING = "running", "Pulling and comparing both sides"
    SUCCEEDED = "succeeded", "Compared every record; mismatches recorded"
    FAILED = "failed", "Stopped before the end; nothing was resolved by it"


class Trigger(models.TextChoices):
    BEAT = "beat", "Nightly schedule"
    ADMIN = "admin", "Run from the admin"
    COMMAND = "command", "manage.py reconcile"
    DECISION = "decision", "An owner asked for a re-check"
