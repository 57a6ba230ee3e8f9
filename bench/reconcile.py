"""Reconcile 1,000,000 records per side on PostgreSQL: the hub against two common ways.

    .venv/bin/python bench/reconcile.py [--records 1000000]

A database of its own (created, dropped on exit; a throwaway server if none runs on 5432)
holds two tables of the same rows, with known differences: one in a thousand missing on
each side, one in a thousand with a quantity changed beyond the tolerance, one with a
quantity changed within it (not a mismatch) and one with a status changed. Three contenders
read the same rows from PostgreSQL, each in its own process so each peak is its own:

- hub: `reconciliation_run` of a registered reconciliation whose sides stream through
  server-side cursors into the sorted merge; mismatches, quarantine items and the run are
  written to the hub's tables, as in production;
- dict: both sides fetched whole into dicts, then compared (what a script would do);
- duckdb: both sides copied out as CSV, loaded into DuckDB, a full outer join with a
  per-row hash comparison (then the tolerance) - the fastest common tool for the job.

Each contender must find the same differences. Seconds are wall time; peak_mb is the
process's RSS high-water mark. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import Stack, hub_env, manage  # noqa: E402

TOLERANCE = 1
SIDES = ("bench_left", "bench_right")


def _rows_sql(records: int) -> list[str]:
    key = "'K' || lpad(i::text, 9, '0')"
    series = f"generate_series(0, {records - 1}) AS i"
    return [
        f"CREATE TABLE {t} (key text PRIMARY KEY, qty numeric(14,4), status text)" for t in SIDES
    ] + [
        f"INSERT INTO bench_left SELECT {key}, (i % 500)::numeric, 'open' FROM {series} "
        "WHERE i % 1000 <> 1",
        f"INSERT INTO bench_right SELECT {key}, (i % 500)::numeric "
        "+ CASE i % 1000 WHEN 3 THEN 5 WHEN 4 THEN 0.5 ELSE 0 END, "
        f"CASE WHEN i % 1000 = 5 THEN 'closed' ELSE 'open' END FROM {series} "
        "WHERE i % 1000 <> 2",
        "ANALYZE",
    ]


def _psql(url: str, statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ contenders
def contender_hub(url: str) -> dict:
    import django

    django.setup()
    from decimal import Decimal

    from apps.reconciliation.engine import Field
    from apps.reconciliation.registry import Assessment, Comparison, Reconciliation, registry
    from apps.reconciliation.services import reconciliation_run
    from apps.reconciliation.sources import sql_rows

    def side(table):
        sql = f'SELECT key, qty::text, status FROM {table} ORDER BY key COLLATE "C"'
        return lambda context: sql_rows(sql, columns=("qty", "status"))

    _owner_and_flow()

    def assess(d):
        return Assessment(
            kind=d.kind,
            effect=f"{d.key} {d.kind}",
            entity="bench_record",
            field="qty",
            action="Count the stock.",
            subject_type="bench",
            subject_key=d.key,
        )

    registry.register(
        Reconciliation(
            name="bench",
            title="Bench",
            flow_code="bench-reconcile",
            comparisons=(
                Comparison(
                    name="left-right",
                    left="left",
                    right="right",
                    fields=(Field("qty", tolerance=Decimal(TOLERANCE)), Field("status")),
                    left_rows=side("bench_left"),
                    right_rows=side("bench_right"),
                    assess=assess,
                ),
            ),
        )
    )
    started = time.perf_counter()
    run = reconciliation_run(name="bench", trigger="command")
    seconds = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"hub run failed: {run.error}")
    counts = {k.split(":")[1]: n for k, n in run.counts.items()}
    return {"seconds": seconds, "counts": counts, "items": run.opened_items}


def contender_dict(url: str) -> dict:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        sides = [
            {k: (q, s) for k, q, s in conn.execute(f"SELECT key, qty, status FROM {t}")}
            for t in SIDES
        ]
    left, right = sides
    counts = {"missing_left": 0, "missing_right": 0, "changed": 0}
    for key, (qty, status) in left.items():
        other = right.get(key)
        if other is None:
            counts["missing_right"] += 1
        elif other[1] != status or abs(other[0] - qty) > TOLERANCE:
            counts["changed"] += 1
    counts["missing_left"] = sum(1 for key in right if key not in left)
    return {"seconds": time.perf_counter() - started, "counts": counts}


def contender_duckdb(url: str) -> dict:
    import duckdb
    import psycopg

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, psycopg.connect(url) as conn:
        db = duckdb.connect()
        for table in SIDES:
            path = Path(folder) / f"{table}.csv"
            with (
                path.open("wb") as out,
                conn.cursor().copy(f"COPY {table} TO STDOUT WITH (FORMAT csv)") as copy,
            ):
                for chunk in copy:
                    out.write(chunk)
            db.execute(
                f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=false, "
                "columns={'key': 'VARCHAR', 'qty': 'DECIMAL(14,4)', 'status': 'VARCHAR'})"
            )
        rows = db.execute(
            f"""
            SELECT coalesce(l.key, r.key),
                   CASE WHEN l.key IS NULL THEN 'missing_left'
                        WHEN r.key IS NULL THEN 'missing_right' ELSE 'changed' END
            FROM bench_left l FULL OUTER JOIN bench_right r ON l.key = r.key
            WHERE l.key IS NULL OR r.key IS NULL
               OR (hash(l.qty, l.status) <> hash(r.qty, r.status)
                   AND (abs(l.qty - r.qty) > {TOLERANCE} OR l.status <> r.status))
            """
        ).fetchall()
    counts = {"missing_left": 0, "missing_right": 0, "changed": 0}
    for _, kind in rows:
        counts[kind] += 1
    return {"seconds": time.perf_counter() - started, "counts": counts}


def _owner_and_flow() -> None:
    """A matrix row whose owner gets the quarantine items, and the flow they belong to."""
    from datetime import timedelta

    from apps.flows.models import Flow
    from apps.ownership.models import BusinessOwner, FieldOwnership
    from apps.systems.models import System

    system, _ = System.objects.get_or_create(
        code="bench-wms", defaults={"name": "WMS", "kind": "wms"}
    )
    owner, _ = BusinessOwner.objects.get_or_create(name="Bench owner", email="b@example.com")
    FieldOwnership.objects.get_or_create(
        entity="bench_record",
        field="qty",
        defaults={"owner_system": system, "business_owner": owner},
    )
    Flow.objects.get_or_create(
        code="bench-reconcile",
        defaults={
            "name": "Bench",
            "pattern": "batch_pull",
            "owner": owner,
            "runbook": "-",
            "schedule": "on request",
            "schedule_description": "-",
            "freshness_sla": timedelta(days=1),
        },
    )


CONTENDERS = {"hub": contender_hub, "dict": contender_dict, "duckdb": contender_duckdb}


def _contend(name: str, url: str, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--contender", name, "--url", url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--contender", choices=CONTENDERS)
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.contender:
        result = CONTENDERS[args.contender](args.url)
        print(json.dumps({**result, "peak_mb": round(_peak_mb(), 1)}))
        return
    with Stack() as stack:
        url = stack.postgres("hub_recon_bench")
        env = hub_env(url, Path(stack.folder))
        manage(env, "migrate", "--noinput")
        _psql(url, _rows_sql(args.records))
        results = {name: _contend(name, url, env) for name in CONTENDERS}
    _report(args.records, results)


def _report(records: int, results: dict) -> None:
    expected = {
        "missing_left": records // 1000,
        "missing_right": records // 1000,
        "changed": 2 * (records // 1000),
    }
    for name, result in results.items():
        agree = "same differences" if result["counts"] == expected else f"WRONG {result['counts']}"
        print(f"{name:7s} {result['seconds']:7.2f} s  peak {result['peak_mb']:7.1f} MB  {agree}")
    hub, plain, duck = results["hub"], results["dict"], results["duckdb"]
    print(
        f"hub/dict {hub['seconds'] / plain['seconds']:.2f}x  "
        f"hub/duckdb {hub['seconds'] / duck['seconds']:.2f}x  "
        f"({hub.get('items', 0)} quarantine items opened by the hub)"
    )
    print(
        f"reconcile records={records} seconds={hub['seconds']:.2f} peak_mb={hub['peak_mb']:.1f} "
        f"dict_seconds={plain['seconds']:.2f} duckdb_seconds={duck['seconds']:.2f}"
    )


if __name__ == "__main__":
    main()
