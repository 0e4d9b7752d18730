#!/usr/bin/env python3
"""Finds costs that grow faster than the site: instructions per function at two sizes.

usage: benches/linearity.py [--sizes 1000,4000] [--work DIR] [--koho PATH] [--top 25]

Generates the benchmark corpus (benches/gen_site.py) at two sizes, runs `koho check` (it
renders every page and writes nothing) under `valgrind --tool=callgrind` on each, and lists
the functions whose inclusive instruction count grew more than the number of pages did, the
worst first. Instruction counts do not move with the machine's load, so one run per size is
enough. A function whose ratio is near the square of the size ratio (16 for 1,000 → 4,000) is
quadratic: this found the sitemap's per-listing-page scan of a section and the paginator's
link to every page on every page (issue 11). Needs valgrind; takes a few minutes.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def callgrind(koho, site, out):
    """Runs `koho check` in `site` under callgrind, writing the profile to `out`."""
    shutil.rmtree(os.path.join(site, ".koho"), ignore_errors=True)
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", koho, "check"],
        cwd=site,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def inclusive_costs(profile):
    """Function name -> inclusive instructions, from callgrind_annotate."""
    text = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", profile],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(.*)$", line)
        if not m:
            continue
        name = re.sub(r"\s*\[[^\]]*\]\s*$", "", m.group(2)).split(":", 1)[-1]
        costs[name] = max(costs.get(name, 0), int(m.group(1).replace(",", "")))
    return costs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000")
    parser.add_argument("--work", default="/tmp/koho-linearity")
    parser.add_argument("--koho", default=os.path.join(REPO, "target", "release", "koho"))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--min-instructions", type=float, default=15e6)
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    small, large = (int(n) for n in args.sizes.split(","))
    costs = {}
    for n in (small, large):
        corpus = os.path.join(args.work, f"n{n}")
        if not os.path.isdir(os.path.join(corpus, "koho")):
            subprocess.run(
                [sys.executable, os.path.join(REPO, "benches", "gen_site.py"), corpus, str(n)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        profile = os.path.join(args.work, f"callgrind.{n}.out")
        callgrind(args.koho, os.path.join(corpus, "koho"), profile)
        costs[n] = inclusive_costs(profile)
    growth = large / small
    total = max(costs[large].values()) / max(costs[small].values())
    print(f"pages x{growth:.1f}, all instructions x{total:.2f}")
    rows = [
        (costs[large][name] / costs[small][name], costs[large][name], costs[small][name], name)
        for name in costs[large]
        if name in costs[small] and costs[large][name] >= args.min_instructions
    ]
    rows.sort(reverse=True)
    print(f"{'ratio':>6} {'large':>9} {'small':>9}  function (inclusive instructions)")
    for ratio, big, little, name in rows[: args.top]:
        flag = "  <- faster than the site" if ratio > growth * 1.15 else ""
        print(f"{ratio:6.2f} {big / 1e6:8.1f}M {little / 1e6:8.1f}M  {name[:100]}{flag}")


if __name__ == "__main__":
    main()
