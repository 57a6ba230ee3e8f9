"""The one-command demo: seed, serve the hub with a worker and beat, tell a short story, wait.

The sandbox imports nothing of the hub, so everything here reaches it the way an outsider
would: management commands in child processes, and HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import requests
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from apps.core.errors import HubError
from apps.sandbox.storefront import storefront_place_order

BASE_DIR = Path(__file__).resolve().parent.parent.parent
MANAGE = str(BASE_DIR / "manage.py")
SEED_FILE = BASE_DIR / "fixtures" / "demo" / "seed.json"
PAYLOADS = BASE_DIR / "fixtures" / "payloads"

READY_SECONDS = 60
ERP_SECONDS = 30
STOP_SECONDS = 10
COMMAND_SECONDS = 120
POLL_SECONDS = 0.5
ERP_FAULT = {"status": 503, "count": 1}
READY_LINE = "Ctrl-C stops everything"
SETTLE_SECONDS = 90
# The storefront's import goes wrong for good (until DELETE /sandbox/storefront/listing/faults/):
# one price recalculated, one price never kept, one SKU's stock always 5 units high.
STOREFRONT_FAULTS = [
    {"kind": "prices", "action": "reprice", "sku": "ACME-BOLT-M8", "by": "10"},
    {"kind": "prices", "action": "drop", "sku": "ACME-GLOVE-L"},
    {"kind": "inventory", "action": "drift", "sku": "ACME-NUT-M8", "by": "5"},
]
UNSETTLED = {"pending", "in_flight", "retrying"}

T = TypeVar("T")
Write = Callable[[str], None]


class DemoFailed(HubError):
    """The demo could not start or keep running; everything it started has been stopped."""

    code = "demo_failed"
    status = 500


class Children:
    """The demo's long-running processes, all with the same environment, each with a log file.

    Their output goes to files, not the terminal: runserver's request lines and Celery's
    banners would bury the story, and a dying child's log is quoted when the demo stops.
    """

    def __init__(self, *, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.running: dict[str, tuple[subprocess.Popen, Path]] = {}

    def start(self, name: str, args: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name.lower().replace(' ', '-')}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, *args], cwd=BASE_DIR, env=self.env, stdout=out, stderr=out
            )
        self.running[name] = (process, log)

    def check(self) -> None:
        """Raise if any child has exited: the demo is only worth watching with all three up."""
        for name, (process, log) in self.running.items():
            code = process.poll()
            if code is not None:
                how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
                raise DemoFailed(
                    f"The {name} {how}; stopping the demo. The end of {log}:\n{_tail(log)}"
                )

    def stop(self) -> None:
        """Ask every child to stop, give them STOP_SECONDS together, then kill the rest."""
        for process, _ in self.running.values():
            process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process, _ in self.running.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def demo_run(*, host: str, port: int, story: bool, write: Write) -> None:
    """Run the demo until Ctrl-C or SIGTERM, then stop every child; raises DemoFailed."""
    url = f"http://{host}:{port}"
    children = Children(
        env={**os.environ, "HUB_PUBLIC_URL": url}, log_dir=settings.STATE_DIR / "logs"
    )
    # Both set explicitly: a shell that starts us in the background leaves SIGINT ignored.
    with _stop_signals(_interrupt):
        try:
            # Ctrl-C or SIGTERM, both raised as KeyboardInterrupt, is how the demo ends.
            with contextlib.suppress(KeyboardInterrupt):
                _demo_serve(host=host, port=port, story=story, children=children, write=write)
        finally:
            # A second Ctrl-C while the children stop would otherwise leave some running.
            with _stop_signals(signal.SIG_IGN):
                children.stop()
    write("stopped")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stop_signals(handler) -> Iterator[None]:
    """Handle SIGINT and SIGTERM with `handler` for a while, then restore what was there."""
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, earlier in previous.items():
            signal.signal(sig, earlier)


def _demo_serve(*, host: str, port: int, story: bool, children: Children, write: Write) -> None:
    url = f"http://{host}:{port}"
    _port_free_check(host, port)
    write(_manage(["seed_demo", "--hub-url", url], env=children.env))
    _hub_start(host=host, port=port, children=children)
    token = _manage(["partner_token", "storefront"], env=children.env)
    # The sandbox ERP answers orders (acknowledge, change, reject, cancel) on the hub's webhook.
    erp_token = _manage(["partner_token", "erp"], env=children.env)
    _http(
        "post",
        f"{url}/sandbox/erp/webhook/",
        json={"url": f"{url}/api/v1/webhooks/order-status/", "token": erp_token},
    )
    # The sandbox WMS posts signed stock events to the hub's inventory webhook.
    _http(
        "post",
        f"{url}/sandbox/wms/webhook/",
        json={
            "url": f"{url}/api/v1/webhooks/inventory/",
            "token": _manage(["partner_token", "wms"], env=children.env),
            "secret": _manage(["webhook_secret", "wms"], env=children.env),
        },
    )
    if story:
        _story_tell(url=url, token=token, children=children, write=write)
        _queue_seed(url=url, token=token, erp_token=erp_token, children=children, write=write)
        _catalog_sync(url=url, children=children, write=write)
        _storefront_faults_inject(url=url, write=write)
        _prices_and_stock(children=children, write=write)
        _reconcile_stock_and_prices(url=url, children=children, write=write)
    # A month of back-dated activity for the dashboard's 30-day charts; after the story, so
    # the story's first catalog sync is still a full run and stays the newest one.
    write(_manage(["seed_ops_history"], env=children.env))
    _banner_print(url=url, token=token, log_dir=children.log_dir, write=write)
    while True:
        children.check()
        time.sleep(1)


def _catalog_sync(*, url: str, children: Children, write: Write) -> None:
    """A small catalog sync from the sandbox PIM (a few bad records held for the catalog owner)."""
    write(_manage(["sandbox_pim", "--products", "200", "--bad-share", "0.05"], env=children.env))
    write(_manage(["sync", "catalog", "--no-progress"], env=children.env))
    write(f"Its SyncRun: {url}/admin/exchange/syncrun/")


def _prices_and_stock(*, children: Children, write: Write) -> None:
    """Contoso's ERP price list pulled and pushed to the storefront (Northwind's seeded prices,
    which the order story uses, stay as they are); WMS events, one resent and one late; the
    snapshot that repairs what they missed."""
    skus = "ACME-BOLT-M8,ACME-NUT-M8,ACME-GLOVE-L"
    env = children.env
    write(_manage(["sandbox_erp_prices", "--accounts", "CT-2001", "--skus", skus], env=env))
    write(_manage(["sync", "prices", "--no-progress"], env=env))
    events = ["--count", "12", "--skus", skus, "--locations", "DC-EAST,DC-WEST"]
    options = ["--duplicates", "1", "--out-of-order", "1", "--batch-size", "5"]
    write(_manage(["sandbox_wms_events", *events, *options], env=env))
    write(_manage(["sync", "inventory", "--no-progress"], env=env))


def _storefront_faults_inject(*, url: str, write: Write) -> None:
    for fault in STOREFRONT_FAULTS:
        response = _http("post", f"{url}/sandbox/storefront/listing/faults/", json=fault)
        if response.status_code != 200:
            raise DemoFailed(f"The storefront sandbox refused a fault: {response.text}")
    write(
        "storefront sandbox now recalculates ACME-BOLT-M8's price, drops ACME-GLOVE-L's and "
        f"shows ACME-NUT-M8's stock 5 high (DELETE {url}/sandbox/storefront/listing/faults/ "
        "to fix)"
    )


def _reconcile_stock_and_prices(*, url: str, children: Children, write: Write) -> None:
    """Once the worker delivered the stock and prices to the storefront, both reports."""
    flows = {"inventory-update", "price-list-sync"}
    settled = _wait_for(
        lambda: _storefront_lists(url) and _deliveries_settled(url, flows),
        seconds=SETTLE_SECONDS,
        children=children,
    )
    if not settled:
        raise DemoFailed(
            f"The storefront's stock and prices were not delivered within {SETTLE_SECONDS} s."
        )
    now = {**children.env, "HUB_RECONCILE_GRACE_SECONDS": "0"}
    for name in ("inventory", "prices"):
        write(_manage(["reconcile", name], env=now))


def _storefront_lists(url: str) -> bool:
    """The storefront shows some stock and some prices (the first deliveries arrived)."""
    return all(
        _http("get", f"{url}/sandbox/storefront/{what}/").json()["results"]
        for what in ("stock", "prices")
    )


def _deliveries_settled(url: str, flows: set[str]) -> bool:
    """No delivery of `flows` is still due or under way, as the hub's /metrics tell."""
    for family in text_string_to_metric_families(_http("get", f"{url}/metrics").text):
        for sample in family.samples:
            labels = sample.labels
            if (
                sample.name == "hub_deliveries"
                and labels.get("flow") in flows
                and labels.get("status") in UNSETTLED
                and sample.value
            ):
                return False
    return True


def _port_free_check(host: str, port: int) -> None:
    # Another server on the port would answer /readyz for us and hide runserver's failure.
    try:
        with socket.create_connection((host, port), timeout=1):
            pass
    except OSError:
        return
    raise DemoFailed(f"Something already listens on {host}:{port}; stop it or pass --port.")


def _manage(args: list[str], *, env: dict[str, str]) -> str:
    """Run a management command in a child process and return what it printed."""
    try:
        done = subprocess.run(
            [sys.executable, MANAGE, *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DemoFailed(f"manage.py {args[0]} took over {COMMAND_SECONDS} s.") from exc
    if done.returncode != 0:
        raise DemoFailed(
            f"manage.py {args[0]} failed (exit {done.returncode}):\n{done.stderr.strip()}"
        )
    return done.stdout.strip()


def _hub_start(*, host: str, port: int, children: Children) -> None:
    celery = ["-m", "celery", "-A", "integration_hub"]
    children.start("web server", [MANAGE, "runserver", f"{host}:{port}", "--noreload"])
    children.start("Celery worker", [*celery, *worker_args(), "-l", "warning"])
    children.start("Celery beat", [*celery, "beat", "-l", "warning"])
    url = f"http://{host}:{port}/readyz"
    if not _wait_for(lambda: _status_of(url) == 200, seconds=READY_SECONDS, children=children):
        raise DemoFailed(f"The hub did not answer 200 at {url} within {READY_SECONDS} s.")


def worker_args() -> list[str]:
    """One worker for every queue: the demo runs each flow class and beat's housekeeping."""
    return ["worker", "--pool=solo", "-Q", ",".join(settings.HUB_QUEUES)]


def _wait_for(condition: Callable[[], T], *, seconds: float, children: Children) -> T:
    """Poll `condition` until it is truthy or time runs out; a dead child ends it early."""
    deadline = time.monotonic() + seconds
    while True:
        children.check()
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(POLL_SECONDS)


def _status_of(url: str) -> int | None:
    try:
        return requests.get(url, timeout=5).status_code
    except (requests.ConnectionError, requests.Timeout):
        # Not listening, or not answering, yet: runserver takes a few seconds to start.
        return None


def _story_tell(*, url: str, token: str, children: Children, write: Write) -> None:
    _erp_fault_inject(url)
    write(f"ERP sandbox will answer the next order with {ERP_FAULT['status']}")
    good = _order_place(url=url, token=token, payload="order_storefront_cases.json", write=write)
    _order_place(
        url=url,
        token=token,
        payload="order_price_mismatch.json",
        note="price differs from contract",
        write=write,
    )
    erp_ref = _wait_for(lambda: _erp_ref_for(url, good), seconds=ERP_SECONDS, children=children)
    if not erp_ref:
        raise DemoFailed(
            f"The ERP did not receive order {good} within {ERP_SECONDS} s; "
            f"its trace is at {url}/ops/trace/order/{good}/"
        )
    write(f"ERP received order {good} as {erp_ref} after one {ERP_FAULT['status']} retry")
    _reconcile_story(url=url, order=good, env=children.env, write=write)


def _reconcile_story(*, url: str, order: str, env: dict[str, str], write: Write) -> None:
    """The buyer pays and is refunded; the refund's ledger posting is lost; the report says so."""
    _http("post", f"{url}/sandbox/gateway/captures/", json={"order": order, "amount": "54.00"})
    _http("post", f"{url}/sandbox/erp/ledger/faults/", json={"action": "drop", "kind": "refund"})
    _http("post", f"{url}/sandbox/gateway/refunds/", json={"order": order, "amount": "12.00"})
    # No grace period: the story's records are seconds old, and the report should show them.
    now = {**env, "HUB_RECONCILE_GRACE_SECONDS": "0"}
    for name in ("orders", "settlement"):
        write(_manage(["reconcile", name], env=now))
    write(f"reconciliation reports: {url}/admin/reconciliation/reconciliationrun/")


# The queue the demo leaves for the business owners: one of each kind of decision.
STALE_PRICE_ORDERS = 3  # one stale storefront price: one group, one fix
BLOCKED_SKU = "ACME-NUT-M8"  # not in the ERP's item master: its orders come back refused
BLOCKED_SKU_ORDERS = 3
DUPLICATE_TAX_ID = "31-1234567"


def _queue_seed(*, url: str, token: str, erp_token: str, children: Children, write: Write):
    """Price mismatches, a SKU the ERP lacks across many lines (its dead letters), a possible
    duplicate company and an overdue item, each made the way production makes them."""
    for index in range(STALE_PRICE_ORDERS):
        _order_place(
            url=url,
            token=token,
            payload="order_price_mismatch.json",
            changes={"po_number": f"PO-STALE-{index + 1}"},
            note="stale storefront price",
            write=write,
        )
    _http("post", f"{url}/sandbox/erp/faults/", json={"reject_sku": BLOCKED_SKU})
    write(f"ERP sandbox now refuses {BLOCKED_SKU} (DELETE {url}/sandbox/erp/faults/ to fix)")
    for index in range(BLOCKED_SKU_ORDERS):
        _order_place(
            url=url,
            token=token,
            payload="order_storefront_cases.json",
            changes={"po_number": f"PO-NUT-{index + 1}"},
            write=write,
        )
    duplicate = _duplicate_company(url=url, erp_token=erp_token, children=children, write=write)
    # The worker turns the refused orders into dead letters while the story goes on.
    write(_manage(["demo_queue", "--overdue", duplicate], env=children.env))


def _duplicate_company(*, url: str, erp_token: str, children: Children, write: Write) -> str:
    """The ERP records Northwind's tax id; then the CRM sends a 'new' company with the same one."""
    _record_write(
        url, erp_token, "company_account", {"number": "NW-1001"}, {"tax_id": DUPLICATE_TAX_ID}
    )
    crm_token = _manage(["partner_token", "crm"], env=children.env)
    response = _record_write(
        url,
        crm_token,
        "company_account",
        {"number": "AC-9001"},
        {"name": "Northwind Trading Co", "status": "active", "tax_id": DUPLICATE_TAX_ID},
        external_id="CRM-4471",
    )
    write(f"CRM company AC-9001 sent: {response.status_code} (held as a possible duplicate)")
    return "AC-9001"


def _record_write(url, token, entity, key, fields, external_id=None) -> requests.Response:
    body = {"key": key, "fields": fields} | ({"external_id": external_id} if external_id else {})
    return _http(
        "post",
        f"{url}/api/v1/records/{entity}/",
        json=body,
        headers={
            "Authorization": f"Token {token}",
            "Idempotency-Key": f"demo-{entity}-{json.dumps(key, sort_keys=True)}-{len(fields)}",
        },
    )


def _erp_fault_inject(url: str) -> None:
    response = _http("post", f"{url}/sandbox/erp/faults/", json=ERP_FAULT)
    if response.status_code != 200:
        raise DemoFailed(f"The ERP sandbox refused the fault: {response.status_code}.")


def _order_place(
    *, url: str, token: str, payload: str, write: Write, note: str = "", changes=None
) -> str:
    """Place a sample order as the storefront; `note` explains a quarantine the story expects."""
    order = json.loads((PAYLOADS / payload).read_text()) | (changes or {})
    try:
        response = storefront_place_order(hub_url=url, token=token, order=order)
    except requests.RequestException as exc:
        raise DemoFailed(f"Placing {payload} failed: {exc}") from exc
    if response.status_code != 201:
        raise DemoFailed(f"The hub refused {payload}: {response.status_code} {response.text}")
    body = response.json()
    why = f" ({note})" if note and body["status"] == "quarantined" else ""
    write(f"order {body['number']} placed: {body['status']}{why}")
    return body["number"]


def _erp_ref_for(url: str, number: str) -> str | None:
    """The ERP's own number for a hub order, once the ERP's received log shows it."""
    for receipt in _http("get", f"{url}/sandbox/erp/received/").json()["received"]:
        if receipt["body"].get("hub_order_number") == number:
            return receipt["answer"].get("order_number")
    return None


def _http(method: str, url: str, **kwargs) -> requests.Response:
    try:
        return requests.request(method, url, timeout=10, **kwargs)
    except requests.RequestException as exc:
        raise DemoFailed(f"{method.upper()} {url} failed: {exc}") from exc


def _banner_print(*, url: str, token: str, log_dir: Path, write: Write) -> None:
    seed = json.loads(SEED_FILE.read_text())
    usernames = ", ".join(person["username"] for person in seed["people"])
    for line in (
        "",
        f"Integration hub demo at {url}/",
        f"  admin              {url}/admin/",
        f"  API docs           {url}/api/v1/docs/",
        f"  quarantine queue   {url}/admin/quarantine/quarantineitem/ (by cause: ?group=cause)",
        f"  ERP received log   {url}/sandbox/erp/received/",
        f"  storefront log     {url}/sandbox/storefront/received/ (order status notices)",
        f"  storefront shows   {url}/sandbox/storefront/stock/  {url}/sandbox/storefront/prices/",
        f"  health             {url}/healthz   {url}/readyz",
        f"logins: {usernames} (password {seed['password']})",
        f"storefront partner token: {token}",
        f"server, worker and beat logs: {log_dir}/",
        READY_LINE,
    ):
        write(line)
