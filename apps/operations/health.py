from integration_hub.celery import app as celery_app


def broker_ready() -> str:
    """Whether the Celery broker accepts a connection, within a second or two."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure, never raises
        return f"error: {exc.__class__.__name__}: {exc}"
    return "ok"
