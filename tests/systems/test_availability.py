"""Whether a delivery may go to a system now: maintenance windows, the circuit breaker, rate
limits and deactivation, each closing the gate with a reason and a time to try again."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

import pytest
import redis
from django.core.exceptions import ValidationError
from django.db import connection

from apps.core.errors import InvalidTransition, ValidationFailed
from apps.systems.models import (
    CircuitState,
    MaintenanceWindow,
    System,
    SystemCircuit,
    SystemKind,
    WindowKind,
)
from apps.systems.rates import DeliveryRateLimiter
from apps.systems.selectors import system_gate
from apps.systems.services import (
    maintenance_window_save,
    system_circuit_close,
    system_deactivate,
    system_delivery_admit,
    system_delivery_outcome,
)
from tests.systems.test_admin import admin_client, change_url, form_data

pytestmark = pytest.mark.django_db

# A Friday, noon UTC.
NOON = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
RATE_LIMIT_REDIS = os.environ.get("HUB_TEST_RATE_LIMIT_URL", "redis://127.0.0.1:6379/12")


def target(code: str = "target", **fields) -> System:
    return System.objects.create(code=code, name=code.upper(), kind=SystemKind.ERP, **fields)


def window(system: System, **fields) -> MaintenanceWindow:
    return maintenance_window_save(window=MaintenanceWindow(system=system, **fields), actor=None)


def weekly(system: System, weekdays: str, start: time, minutes: int, zone: str = "UTC"):
    return window(
        system,
        kind=WindowKind.WEEKLY,
        reason="Friday patching",
        weekdays=weekdays,
        start_time=start,
        duration_minutes=minutes,
        time_zone=zone,
    )


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def fail(system: System, times: int, now: datetime = NOON) -> None:
    for _ in range(times):
        system_delivery_outcome(system=system, succeeded=False, now=now)


# ---------------------------------------------------------------- maintenance windows


def test_one_off_window_holds_deliveries_until_its_end_and_not_outside_it():
    erp = target()
    window(erp, reason="ERP upgrade", starts_at=at(27, 10), ends_at=at(27, 14))

    gate = system_gate(system=erp, now=NOON)

    assert (gate.open, gate.until) == (False, at(27, 14))
    assert gate.reason == "maintenance window 'ERP upgrade' until 2026-11-27 14:00:00 UTC"
    assert system_gate(system=erp, now=at(27, 9, 59)).open
    assert system_gate(system=erp, now=at(27, 14)).open  # the end is the first free moment


def test_weekly_window_runs_past_midnight_into_the_next_day():
    erp = target()
    weekly(erp, "4", time(22, 0), 240)  # Fridays 22:00 to Saturday 02:00

    saturday_night = system_gate(system=erp, now=at(28, 1, 30))

    assert (saturday_night.open, saturday_night.until) == (False, at(28, 2))
    assert not system_gate(system=erp, now=at(27, 22)).open
    assert system_gate(system=erp, now=at(27, 21, 59)).open
    assert system_gate(system=erp, now=at(28, 2)).open


def test_weekly_window_applies_only_on_its_weekdays():
    erp = target()
    weekly(erp, "0,4", time(12, 0), 30)  # Mondays and Fridays at noon

    assert not system_gate(system=erp, now=NOON).open  # Friday
    assert not system_gate(system=erp, now=at(30, 12, 10)).open  # Monday
    assert system_gate(system=erp, now=at(26, 12, 10)).open  # Thursday
    assert system_gate(system=erp, now=at(28, 12, 10)).open  # Saturday
    assert not system_gate(system=erp, now=at(4, 12, 10, month=12)).open  # next Friday


def test_weekly_window_keeps_local_time_across_daylight_saving():
    erp = target()
    weekly(erp, "0", time(9, 0), 60, zone="Europe/Berlin")  # Mondays 09:00 Berlin time

    # Winter: Berlin is UTC+1, so 08:00-09:00 UTC. Summer: UTC+2, so 07:00-08:00 UTC.
    winter = system_gate(system=erp, now=datetime(2026, 1, 5, 8, 30, tzinfo=UTC))
    summer = system_gate(system=erp, now=datetime(2026, 7, 6, 7, 30, tzinfo=UTC))

    assert (winter.open, winter.until) == (False, datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    assert (summer.open, summer.until) == (False, datetime(2026, 7, 6, 8, 0, tzinfo=UTC))
    assert system_gate(system=erp, now=datetime(2026, 7, 6, 8, 30, tzinfo=UTC)).open


def test_back_to_back_windows_hold_until_the_last_one_ends():
    erp = target()
    window(erp, reason="ERP upgrade", starts_at=at(27, 10), ends_at=at(27, 13))
    weekly(erp, "4", time(13, 0), 120)

    gate = system_gate(system=erp, now=NOON)

    assert gate.until == at(27, 15)
    assert gate.reason == "maintenance window 'ERP upgrade' until 2026-11-27 15:00:00 UTC"


def test_other_systems_windows_do_not_hold_this_one():
    window(target("other"), reason="PIM reindex", starts_at=at(27, 10), ends_at=at(27, 14))
    assert system_gate(system=target(), now=NOON).open


WEEKLY_22 = {"kind": WindowKind.WEEKLY, "start_time": time(22)}
WEEKLY_FRIDAY_HOUR = WEEKLY_22 | {"weekdays": "4", "duration_minutes": 60}
MISSHAPEN = {
    "no end": {"kind": WindowKind.ONE_OFF, "starts_at": at(27, 10)},
    "end first": {"kind": WindowKind.ONE_OFF, "starts_at": at(27, 10), "ends_at": at(27, 9)},
    "no duration": WEEKLY_22 | {"weekdays": "4"},
    "no weekday": WEEKLY_22 | {"duration_minutes": 60},
    "over a week": WEEKLY_FRIDAY_HOUR | {"duration_minutes": 7 * 24 * 60 + 1},
    "weekday 7": WEEKLY_FRIDAY_HOUR | {"weekdays": "7"},
    "bad zone": WEEKLY_FRIDAY_HOUR | {"time_zone": "Mars/Olympus"},
}


@pytest.mark.parametrize("fields", MISSHAPEN.values(), ids=MISSHAPEN.keys())
def test_a_window_missing_what_its_kind_needs_is_refused(fields):
    with pytest.raises(ValidationFailed):
        window(target(), reason="broken", **fields)
    assert not MaintenanceWindow.objects.exists()


def test_a_new_window_records_who_made_it_in_its_history(cast):
    admin = cast.user("admin")
    upgrade = MaintenanceWindow(
        system=target(), reason="ERP upgrade", starts_at=at(27, 10), ends_at=at(27, 14)
    )
    made = maintenance_window_save(window=upgrade, actor=admin)
    assert made.created_by == admin
    assert made.history.get().history_user == admin


WEEKLY_ROW = {
    "maintenance_windows-TOTAL_FORMS": 1,
    "maintenance_windows-0-kind": "weekly",
    "maintenance_windows-0-reason": "Friday patching",
    "maintenance_windows-0-weekdays": ["4", "5"],
    "maintenance_windows-0-start_time": "22:00",
    "maintenance_windows-0-duration_minutes": 240,
    "maintenance_windows-0-time_zone": "Europe/Berlin",
}


def test_admin_adds_a_weekly_window_on_the_system_page_with_weekday_boxes(cast):
    client, erp = admin_client(cast), target()

    response = client.post(change_url(erp), form_data(client, erp) | WEEKLY_ROW)

    assert response.status_code == 302
    made = MaintenanceWindow.objects.get(system=erp)
    assert (made.weekdays, made.created_by) == ("4,5", cast.user("admin"))
    [inline] = client.get(change_url(erp)).context["inline_admin_formsets"]
    assert inline.formset.forms[0]["weekdays"].value() == [4, 5]


def test_admin_refuses_a_weekly_window_without_a_duration(cast):
    client, erp = admin_client(cast), target()
    row = WEEKLY_ROW | {"maintenance_windows-0-duration_minutes": ""}

    response = client.post(change_url(erp), form_data(client, erp) | row)

    assert response.status_code == 200
    assert "a weekly one needs weekdays, a start time and a duration" in response.content.decode()
    assert not MaintenanceWindow.objects.exists()


# ---------------------------------------------------------------- circuit breaker


def test_circuit_opens_after_the_systems_threshold_of_consecutive_failures():
    erp = target(circuit_failure_threshold=3, circuit_cooloff_seconds=60)
    fail(erp, 2)
    assert system_gate(system=erp, now=NOON).open

    fail(erp, 1)
    gate = system_gate(system=erp, now=NOON)

    assert (gate.open, gate.until) == (False, NOON + timedelta(seconds=60))
    assert gate.reason == "circuit open after 3 consecutive failures until 2026-11-27 12:01:00 UTC"
    opened = erp.circuit.history.latest()
    assert opened.state == CircuitState.OPEN
    assert opened.history_change_reason.startswith("opened after 3 consecutive failures")


def test_threshold_and_cooloff_default_to_the_hubs_settings(settings):
    settings.HUB_CIRCUIT_FAILURE_THRESHOLD, settings.HUB_CIRCUIT_COOLOFF_SECONDS = 2, 30
    erp = target()
    fail(erp, 2)
    assert system_gate(system=erp, now=NOON).until == NOON + timedelta(seconds=30)


def test_a_success_between_failures_starts_the_count_again():
    erp = target(circuit_failure_threshold=3)
    fail(erp, 2)
    system_delivery_outcome(system=erp, succeeded=True, now=NOON)
    fail(erp, 2)
    assert SystemCircuit.objects.get(system=erp).consecutive_failures == 2
    assert system_gate(system=erp, now=NOON).open


def test_open_circuit_holds_until_the_cooloff_then_lets_exactly_one_probe_through():
    erp = target(circuit_failure_threshold=1, circuit_cooloff_seconds=60)
    fail(erp, 1)
    ends = NOON + timedelta(seconds=60)

    assert not system_delivery_admit(system=erp, now=ends - timedelta(seconds=1)).open
    probe = system_delivery_admit(system=erp, now=ends)
    second = system_delivery_admit(system=erp, now=ends)

    assert (probe.open, probe.probe) == (True, True)
    assert SystemCircuit.objects.get(system=erp).state == CircuitState.HALF_OPEN
    assert (second.open, second.until) == (False, ends + timedelta(seconds=60))
    assert second.reason.startswith("circuit half-open: a probe delivery is in flight")


def test_a_successful_probe_closes_the_circuit():
    erp = target(circuit_failure_threshold=1, circuit_cooloff_seconds=60)
    fail(erp, 1)
    probe_time = NOON + timedelta(seconds=60)
    system_delivery_admit(system=erp, now=probe_time)

    system_delivery_outcome(system=erp, succeeded=True, now=probe_time)

    circuit = SystemCircuit.objects.get(system=erp)
    assert (circuit.state, circuit.consecutive_failures, circuit.held_until) == ("closed", 0, None)
    assert circuit.history.latest().history_change_reason == "closed: a delivery succeeded"
    assert system_delivery_admit(system=erp, now=probe_time).open


def test_a_failed_probe_opens_the_circuit_for_another_cooloff():
    erp = target(circuit_failure_threshold=1, circuit_cooloff_seconds=60)
    fail(erp, 1)
    probe_time = NOON + timedelta(seconds=60)
    system_delivery_admit(system=erp, now=probe_time)

    fail(erp, 1, now=probe_time)

    gate = system_gate(system=erp, now=probe_time)
    assert (gate.open, gate.until) == (False, probe_time + timedelta(seconds=60))
    assert erp.circuit.history.latest().history_change_reason.startswith("probe failed")


def test_a_probe_that_never_reports_is_replaced_after_a_cooloff():
    erp = target(circuit_failure_threshold=1, circuit_cooloff_seconds=60)
    fail(erp, 1)
    first_probe = NOON + timedelta(seconds=60)
    system_delivery_admit(system=erp, now=first_probe)

    assert system_delivery_admit(system=erp, now=first_probe + timedelta(seconds=60)).probe


def test_failures_of_attempts_already_in_flight_do_not_stretch_the_cooloff():
    erp = target(circuit_failure_threshold=2, circuit_cooloff_seconds=60)
    fail(erp, 2)
    fail(erp, 3, now=NOON + timedelta(seconds=30))
    assert system_gate(system=erp, now=NOON).until == NOON + timedelta(seconds=60)


def test_integration_admin_closes_an_open_circuit_by_hand_with_a_reason(cast):
    admin = cast.user("admin")
    erp = target(circuit_failure_threshold=1)
    fail(erp, 1)

    system_circuit_close(system=erp, actor=admin, reason="ERP confirmed back on the phone")

    assert system_gate(system=erp, now=NOON).open
    closed = SystemCircuit.objects.get(system=erp).history.latest()
    assert closed.history_change_reason == "closed by hand: ERP confirmed back on the phone"
    assert closed.history_user == admin


def test_closing_a_closed_circuit_or_without_a_reason_is_refused():
    erp = target(circuit_failure_threshold=1)
    with pytest.raises(InvalidTransition):
        system_circuit_close(system=erp, actor=None, reason="just in case")
    fail(erp, 1)
    with pytest.raises(ValidationFailed):
        system_circuit_close(system=erp, actor=None, reason="  ")
    assert SystemCircuit.objects.get(system=erp).state == CircuitState.OPEN


def test_admin_action_closes_the_circuit_and_the_page_shows_why_deliveries_wait(cast):
    client = admin_client(cast)
    erp = target(circuit_failure_threshold=1)
    fail(erp, 1, now=datetime.now(UTC))
    page = client.get(change_url(erp)).content.decode()
    assert "Open: deliveries are held until the cool-off ends" in page
    assert "circuit open after 1 consecutive failures until" in page

    data = {"action": "close_circuit", "_selected_action": [erp.pk], "reason": "ERP is back"}
    client.post("/admin/systems/system/", data)

    assert SystemCircuit.objects.get(system=erp).state == CircuitState.CLOSED


# ---------------------------------------------------------------- many workers at once


def in_threads(count: int, work) -> list:
    """Run `work` in `count` threads that start together, each on its own connection."""
    start = threading.Barrier(count)

    def run(_):
        start.wait()
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_from_many_workers_are_each_counted():
    erp = target(circuit_failure_threshold=1000)
    in_threads(8, lambda: fail(erp, 5))
    assert SystemCircuit.objects.get(system=erp).consecutive_failures == 40


@pytest.mark.django_db(transaction=True)
def test_of_many_workers_finding_the_cooloff_over_only_one_sends_the_probe():
    erp = target(circuit_failure_threshold=1, circuit_cooloff_seconds=60)
    fail(erp, 1)
    gates = in_threads(
        8, lambda: system_delivery_admit(system=erp, now=NOON + timedelta(minutes=1))
    )
    assert [gate.open for gate in gates].count(True) == 1


# ---------------------------------------------------------------- rate limits


@pytest.fixture
def shared_store():
    """Redis database 12, emptied: the store every worker on every machine counts in."""
    client = redis.Redis.from_url(RATE_LIMIT_REDIS)
    try:
        client.ping()
    except redis.ConnectionError:
        reason = (
            f"Redis is not reachable at {RATE_LIMIT_REDIS}: the shared rate-limit tests need it"
        )
        if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    client.flushdb()
    yield RATE_LIMIT_REDIS
    client.flushdb()


# Every test that empties a shared Redis database runs in one pytest-xdist process, in turn.
@pytest.mark.xdist_group("redis")
def test_two_workers_share_one_rate_limit_through_redis(shared_store):
    erp = target(delivery_rate_limit="3/minute")
    # Two limiters with their own connections: what two worker processes on two machines have.
    first, second = DeliveryRateLimiter(shared_store), DeliveryRateLimiter(shared_store)

    taken = [first.take(system=erp), second.take(system=erp), first.take(system=erp)]
    refused = second.take(system=erp)

    assert taken == [0.0, 0.0, 0.0]
    assert 0 < refused <= 60
    assert first.take(system=erp) > 0
    assert second.take(system=target("other", delivery_rate_limit="3/minute")) == 0.0


@pytest.mark.xdist_group("redis")
def test_gate_closes_with_the_wait_when_the_rate_limit_is_used_up(settings, shared_store):
    settings.HUB_RATE_LIMIT_STORAGE_URL = shared_store
    erp = target(delivery_rate_limit="2/minute")

    gates = [system_delivery_admit(system=erp, now=NOON) for _ in range(3)]

    assert [gate.open for gate in gates] == [True, True, False]
    assert NOON < gates[2].until <= NOON + timedelta(minutes=1)
    assert gates[2].reason.startswith("rate limit 2/minute: next slot in ")


def test_in_memory_store_limits_within_one_process(settings):
    settings.HUB_RATE_LIMIT_STORAGE_URL = "memory://"
    erp = target("memory-demo", delivery_rate_limit="1/minute")
    assert system_delivery_admit(system=erp, now=NOON).open
    assert not system_delivery_admit(system=erp, now=NOON).open


def test_a_blank_rate_is_unlimited():
    limiter = DeliveryRateLimiter("memory://")
    erp = target()
    assert {limiter.take(system=erp) for _ in range(100)} == {0.0}


def test_an_unreachable_rate_limit_store_holds_deliveries_briefly(settings):
    settings.HUB_RATE_LIMIT_STORAGE_URL = "redis://127.0.0.1:9/0"
    gate = system_delivery_admit(system=target(delivery_rate_limit="5/second"), now=NOON)
    assert (gate.open, gate.until) == (False, NOON + timedelta(seconds=5))
    assert gate.reason.startswith("rate-limit store unreachable")


def test_a_rate_that_is_not_a_rate_is_refused():
    with pytest.raises(ValidationError) as refused:
        System(code="x", name="X", kind=SystemKind.ERP, delivery_rate_limit="fast").full_clean()
    assert "delivery_rate_limit" in refused.value.message_dict


def test_gate_read_takes_no_rate_limit_slot(settings):
    settings.HUB_RATE_LIMIT_STORAGE_URL = "memory://"
    erp = target("read-only", delivery_rate_limit="1/minute")
    for _ in range(3):
        system_gate(system=erp, now=NOON)
    assert system_delivery_admit(system=erp, now=NOON).open


# ---------------------------------------------------------------- the gate as a whole


def test_an_active_system_outside_windows_with_a_closed_circuit_is_open():
    gate = system_delivery_admit(system=target(), now=NOON)
    assert (gate.open, gate.until, gate.reason) == (True, None, "open")


def test_an_inactive_system_holds_deliveries_and_looks_again_later(settings):
    settings.HUB_GATE_RECHECK_SECONDS = 120
    erp = system_deactivate(system=target(), actor=None, reason="contract ended")

    gate = system_delivery_admit(system=erp, now=NOON)

    assert (gate.open, gate.until) == (False, NOON + timedelta(seconds=120))
    assert gate.reason == "system target is inactive; checked again at 2026-11-27 12:02:00 UTC"


def test_maintenance_is_named_before_an_open_circuit():
    erp = target(circuit_failure_threshold=1)
    fail(erp, 1)
    window(erp, reason="ERP upgrade", starts_at=at(27, 10), ends_at=at(27, 14))
    assert system_gate(system=erp, now=NOON).reason.startswith("maintenance window 'ERP upgrade'")


def test_a_held_delivery_takes_no_rate_limit_slot(settings):
    settings.HUB_RATE_LIMIT_STORAGE_URL = "memory://"
    erp = target("held", delivery_rate_limit="1/minute")
    window(erp, reason="ERP upgrade", starts_at=at(27, 10), ends_at=at(27, 14))
    assert not system_delivery_admit(system=erp, now=NOON).open
    assert system_delivery_admit(system=erp, now=at(27, 14)).open
