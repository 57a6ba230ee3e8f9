"""Catalog sync benchmark: 100,000 PIM products through the hub on PostgreSQL, over HTTP.

    .venv/bin/python bench/catalog_sync.py     # BENCH_PRODUCTS=20000 for a short run,
                                               # BENCH_PAGE_SIZE=5000 for bigger pages

A PostgreSQL database is created for the run and dropped after it (the machine's
127.0.0.1:5432, else a throwaway server). gunicorn serves the sandbox PIM and storefront; the
sync runs as `manage.py sync catalog` in its own process (outbox deliveries inline, so the
push to the storefront is inside the measured time). Measured side by side on the same rows:

- full: the whole sync (fetch, validate, map, upsert, history, quarantine, push);
- delta: the sync after 1% of the PIM's products changed;
- copy: a raw PostgreSQL COPY of the same rows into a table shaped like the products table;
- loop: the usual way, `update_or_create` per row with its history row, on a sample of rows;
- peak memory: the sync process's RSS high-water mark (full run).

The last line is machine-readable:
`catalog_sync full_s=… delta_s=… copy_s=… loop_rows_per_s=… vs_copy=… vs_loop=… peak_mb=…`
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PYTHON, ROOT, Stack, hub_env, manage  # noqa: E402

DATABASE = "hub_catalog_bench"
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
LOOP_SAMPLE = int(os.environ.get("BENCH_LOOP_SAMPLE", "2000"))
PAGE_SIZE = os.environ.get("BENCH_PAGE_SIZE", "1000")
BAD_SHARE = "0.02"
DELTA_PERCENT = "1"


def timed_sync(env: dict, mode: str, folder: Path) -> tuple[float, float, str]:
    """Run `sync catalog --<mode>` in its own process: (run seconds, peak RSS in MB, summary)."""
    out_path, err_path = folder / f"sync-{mode}.out", folder / f"sync-{mode}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, "manage.py", "sync", "catalog", f"--{mode}", "--no-progress"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        # wait4 gives this child's own rusage: its RSS high-water mark (KiB on Linux).
        _, status, rusage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"sync --{mode} failed:\n{err_path.read_text()[-3000:]}")
    summary = out_path.read_text().strip().splitlines()[-1]
    cpu = rusage.ru_utime + rusage.ru_stime
    # CPU the sync process itself used: on a shared machine, wall time also counts waiting.
    print(f"  {mode}: process {seconds:.1f} s wall, {cpu:.1f} s CPU (interpreter start included)")
    # The run's own time (SyncRun start to finish): what the sync costs, not Python's start-up.
    run_seconds = float(summary.rsplit("seconds=", 1)[1])
    return run_seconds, rusage.ru_maxrss / 1024, summary


def main() -> None:
    with Stack() as stack:
        database_url = stack.postgres(DATABASE)
        env = hub_env(
            database_url,
            stack.folder,
            SANDBOX_ENABLED="1",
            CELERY_TASK_ALWAYS_EAGER="1",
            HUB_BATCH_PAGE_SIZE=PAGE_SIZE,
        )
        manage(env, "migrate", "--noinput")
        url = stack.gunicorn(env, workers=2)
        manage(env, "seed_demo", "--hub-url", url)
        started = time.perf_counter()
        print(manage(env, "sandbox_pim", "--products", str(PRODUCTS), "--bad-share", BAD_SHARE))
        print(f"  PIM filled in {time.perf_counter() - started:.1f} s")

        full_s, peak_mb, summary = timed_sync(env, "full", stack.folder)
        print(f"  full:  {full_s:6.1f} s  {PRODUCTS / full_s:8.0f} rows/s  {summary}")
        print(manage(env, "sandbox_pim", "--touch", DELTA_PERCENT))
        delta_s, _, summary = timed_sync(env, "delta", stack.folder)
        print(f"  delta: {delta_s:6.1f} s  {summary}")

        measured = manage(env, "shell", "-c", _BASELINES.replace("__SAMPLE__", str(LOOP_SAMPLE)))
        figures = dict(part.split("=") for part in measured.splitlines()[-1].split())
        copy_s, loop_rps = float(figures["copy_s"]), float(figures["loop_rows_per_s"])
        print(f"  copy:  {copy_s:6.2f} s  {PRODUCTS / copy_s:8.0f} rows/s (raw COPY, same rows)")
        print(f"  loop:  {loop_rps:8.0f} rows/s (update_or_create with history, sample)")
    full_rps = PRODUCTS / full_s
    print(
        f"catalog_sync full_s={full_s:.2f} delta_s={delta_s:.2f} copy_s={copy_s:.2f} "
        f"loop_rows_per_s={loop_rps:.0f} vs_copy={full_s / copy_s:.1f} "
        f"vs_loop={full_rps / loop_rps:.1f} peak_mb={peak_mb:.0f}"
    )


# Run inside `manage.py shell` on the bench database, after the sync: the same rows the PIM
# served, (a) COPYed raw into a table shaped like the products table, (b) written the usual
# way, one update_or_create with history per row, on a sample (new SKUs, as the full run's).
_BASELINES = """
import json, time
from django.db import connection, transaction
from apps.catalog.models import Product
from apps.sandbox.models import PimProduct

rows = list(PimProduct.objects.values_list("sku", "name", "description", "unit", "attributes"))
with connection.cursor() as cursor:
    cursor.execute("CREATE TEMP TABLE copy_target (LIKE catalog_product INCLUDING DEFAULTS)")
    started = time.perf_counter()
    columns = ("sku, name, description, uom, attributes, status, content_hash, source_sku, "
               "created_at, updated_at")
    with cursor.copy(f"COPY copy_target (id, {columns}) FROM STDIN") as copy:
        for number, (sku, name, description, unit, attributes) in enumerate(rows, 1):
            copy.write_row((number, sku, name, description, unit, json.dumps(attributes),
                            "active", "", sku, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
    copy_s = time.perf_counter() - started

sample = rows[:__SAMPLE__]
started = time.perf_counter()
for sku, name, description, unit, attributes in sample:
    with transaction.atomic():
        Product.objects.update_or_create(
            sku="LOOP-" + sku.strip(),
            defaults={"name": name or "-", "description": description, "uom": "EA",
                      "attributes": attributes},
        )
loop_rows_per_s = len(sample) / (time.perf_counter() - started)
print(f"copy_s={copy_s:.3f} loop_rows_per_s={loop_rows_per_s:.1f}")
"""


if __name__ == "__main__":
    main()
