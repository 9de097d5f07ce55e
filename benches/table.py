#!/usr/bin/env python3
"""Prints the benchmark table of BENCHMARKS.md from criterion's last results.

Run after `cargo bench`: it reads target/criterion/<group>/<side>/new/estimates.json and
prints, per row, the baseline's median, the crate's median, and their ratio (or, for
throughput, operations per second and the share of the baseline's).
"""

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"


def median_ns(group: str, side: str) -> float | None:
    path = ROOT / group / side / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def show(ns: float) -> str:
    for unit, size in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= size:
            return f"{ns / size:.3g} {unit}"
    return f"{ns:.3g} ns"


def main() -> int:
    rows = [
        ("get", "get", "baseline", "crate"),
        ("modify", "modify", "baseline", "crate"),
        ("decode, 1 line item", "decode", "plain serde/1", "crate/1"),
        ("decode, 100 line items", "decode", "plain serde/100", "crate/100"),
        ("decode, 1,000 line items", "decode", "plain serde/1000", "crate/1000"),
        ("encode, 1 line item", "encode", "plain serde/1", "crate/1"),
        ("encode, 100 line items", "encode", "plain serde/100", "crate/100"),
        ("encode, 1,000 line items", "encode", "plain serde/1000", "crate/1000"),
    ]
    print("| benchmark | baseline (median) | crate (median) | crate / baseline |")
    print("|---|---|---|---|")
    for name, group, baseline, crate in rows:
        base, ours = median_ns(group, baseline), median_ns(group, crate)
        if base and ours:
            print(f"| {name} | {show(base)} | {show(ours)} | {ours / base:.3f} |")
    base, ours = median_ns("throughput", "baseline"), median_ns("throughput", "crate")
    if base and ours:
        # One iteration is 10,000 modifies.
        base_ops, our_ops = 10_000 / (base / 1e9), 10_000 / (ours / 1e9)
        print(
            f"| throughput, 10,000 modifies at 64 tasks | {base_ops:,.0f} ops/s | "
            f"{our_ops:,.0f} ops/s | {our_ops / base_ops:.3f} of the baseline's ops/s |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
