"""`python -m benchmarks [--quick] [NAME ...]`: run the benchmarks, print one table each.

`--quick` is the smoke run CI uses: tiny sizes and short rounds, to keep them runnable.
Figures worth quoting come from a full run on a quiet machine (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import sys

from benchmarks import engine, feedback, national, timing, writepath


def run_engine(quick: bool) -> str:
    wf = engine.workflow()
    contenders = {name: make(wf) for name, make in engine.CONTENDERS.items()}
    rates = timing.rates(contenders, rounds=1 if quick else 9, seconds=0.05 if quick else 1.0)
    ours = rates["ours"]
    best_peer = max(v for k, v in rates.items() if k != "ours")
    rows = [(name, f"{rate:,.0f}", f"{ours / rate:.2f}x") for name, rate in rates.items()]
    rows.append(("ours / fastest peer", "", f"{ours / best_peer:.2f}x (target >= 2x)"))
    return timing.table("Engine: lifecycles a second (create + 7 actions), median of rounds",
                        ("implementation", "lifecycles/s", "ours is"), rows)


BENCHMARKS = {"engine": run_engine, "national": national.run, "writepath": writepath.run,
              "feedback": feedback.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny and short")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"which to run (default all): {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    if unknown := [n for n in args.names if n not in BENCHMARKS]:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    for name in args.names or list(BENCHMARKS):
        print(BENCHMARKS[name](args.quick), end="\n\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
