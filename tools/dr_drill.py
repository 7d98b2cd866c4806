"""The whole local DR drill, as CI and dr/README.md run it: the backup-and-restore drill
(tools/local_drill.py), then the region failover (tools/region_drill.py), with the measurements
printed and written as JSON. It acts on throwaway local clusters only, never on a stage: the
on-call commands are `reminderly dr drill` and `reminderly dr failover`.

    python -m tools.dr_drill [--rows 200] [--report drill.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from tools import local_drill, region_drill


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.dr_drill", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--rows", type=int, default=200, help="appointment rows per packet (10-100000)"
    )
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    args = parser.parse_args(argv)
    if not 10 <= args.rows <= 100_000:
        parser.error("--rows must be between 10 and 100000")
    result = local_drill.run(rows=args.rows)
    region = region_drill.run()
    text = json.dumps(
        {**dataclasses.asdict(result), "region_failover": dataclasses.asdict(region)},
        default=str,
        indent=2,
    )
    if args.report:
        args.report.write_text(text)
    for r in result.restores:
        print(
            f"{r.method}: RTO {r.rto_seconds} s, RPO {r.rpo_seconds} s, tables match: {r.tables_match}, "
            f"acknowledged messages lost: {r.acknowledged_lost}"
            + (
                f", deleted rows back: {r.deleted_rows_back}"
                if r.deleted_rows_back is not None
                else ""
            )
        )
    print(
        f"region failover: worker killed with {len(region.in_flight_at_kill)} sends in flight, replica "
        f"caught up in {region.replica_catch_up_seconds} s, promoted in {region.promote_seconds} s; "
        f"{region.messages_due} messages: {region.outcomes}; sent twice: {len(region.sent_twice)}, "
        f"lost: {len(region.lost)}"
    )
    if not result.passed or not region.passed:
        print("error: the drill failed: see the report", file=sys.stderr)
        return 1
    print(
        f"drill passed ({result.acknowledged_messages} acknowledged messages, "
        f"{result.bad_delete_rows} rows deleted and recovered; each message sent once across "
        "the region failover)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
