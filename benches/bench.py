#!/usr/bin/env python3
"""The build benchmark: koho against Zola and Hugo on one synthetic corpus, in the same run.

usage: benches/bench.py [--sizes 1000,10000] [--runs 5] [--work DIR] [--zola PATH] [--hugo PATH]
                        [--koho-nosearch PATH] [--out benches/results]

For each size N it generates the corpus (benches/gen_site.py: N releases x ja/en/zh plus a
20-chapter handbook per language; deterministic), then, alternating tools run by run:
- a fresh build of each tool into a new, never-used folder (nothing deleted shortly before: on
  ext4 a build right after deleting a large tree pays for the deletion), koho without its
  caches under <site>/.koho;
- for koho also a no-change rebuild and a rebuild after editing one release.
Each measurement is wall, user and sys time and peak memory (/usr/bin/time); the medians go to
OUT/results.json, OUT/results.md (a table with koho/Zola ratios, pages/s and MB of Markdown/s)
and OUT/chart.svg (build time and peak memory against N). Peers that are not installed are
skipped with a message: CI needs neither. koho is target/release/koho (run `cargo build
--release` first).
"""
import argparse
import json
import os
import time
import shutil
import statistics
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KOHO = os.path.join(REPO, "target", "release", "koho")


def timed(cmd, cwd=None):
    """Runs cmd under /usr/bin/time; returns wall, user, sys (s) and peak RSS (MiB)."""
    fmt = "%e %U %S %M"
    # Every build starts with nothing waiting to be written back: otherwise the pages the
    # previous tool left dirty (Hugo writes about 1 GB at 10,000) are flushed during, and
    # charged to, whichever build comes next.
    os.sync()
    time.sleep(1)
    proc = subprocess.run(["/usr/bin/time", "-f", fmt, *cmd], cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    wall, user, system, rss = proc.stderr.strip().splitlines()[-1].split()
    return {"wall": float(wall), "user": float(user), "sys": float(system),
            "rss_mib": int(rss) / 1024}


def builders(site, zola, hugo, koho_nosearch=None):
    """name -> function(output folder) -> command."""
    tools = {"koho": lambda out: [KOHO, "build", "--root", os.path.join(site, "koho"), "--output", out]}
    if koho_nosearch:
        tools["koho-nosearch"] = lambda out: [koho_nosearch, "build", "--root",
                                              os.path.join(site, "koho"), "--output", out]
    if zola:
        tools["zola"] = lambda out: [zola, "--root", os.path.join(site, "zola"), "build",
                                     "--output-dir", out, "--force"]
    if hugo:
        tools["hugo"] = lambda out: [hugo, "--source", os.path.join(site, "hugo"),
                                     "--destination", out, "--quiet"]
    return tools


def median(samples):
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def markdown_bytes(site):
    total = 0
    for folder, _, files in os.walk(os.path.join(site, "koho", "content")):
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files if f.endswith(".md"))
    return total


def run_size(n, args):
    site = os.path.join(args.work, f"n{n}")
    subprocess.run([sys.executable, os.path.join(REPO, "benches", "gen_site.py"), site, str(n)], check=True)
    settle(args.settle)
    tools = builders(site, args.zola, args.hugo, args.koho_nosearch)
    fresh = {name: [] for name in tools}
    state = os.path.join(site, "koho", ".koho")
    for run in range(args.runs):
        for name, command in tools.items():
            out = os.path.join(site, f"out-{name}-{run}")
            if name.startswith("koho"):
                # koho's caches (search bundles, records) live under the site root: a fresh
                # build starts without them.
                shutil.rmtree(state, ignore_errors=True)
            fresh[name].append(timed(command(out)))
            print(f"N={n} run {run + 1} {name}: {fresh[name][-1]}", file=sys.stderr, flush=True)
    result = {name: median(samples) for name, samples in fresh.items()}
    result["runs"] = fresh
    koho_out = os.path.join(site, "out-koho-rebuild")
    shutil.rmtree(koho_out, ignore_errors=True)
    timed(tools["koho"](koho_out))
    rebuild = [timed(tools["koho"](koho_out)) for _ in range(args.runs)]
    release = os.path.join(site, "koho", "content", "releases", "r00001", "index.en.md")
    edits = []
    for run in range(args.runs):
        with open(release, "a", encoding="utf-8") as f:
            f.write(f"\nEdited paragraph {run}.\n")
        edits.append(timed(tools["koho"](koho_out)))
    result["koho-no-change"] = median(rebuild)
    result["koho-one-edit"] = median(edits)
    pages = sum(files.count("index.html") for _, _, files in os.walk(koho_out))
    result["meta"] = {"pages": pages, "markdown_mb": markdown_bytes(site) / 1e6}
    for run in range(args.runs):
        for name in tools:
            shutil.rmtree(os.path.join(site, f"out-{name}-{run}"), ignore_errors=True)
    shutil.rmtree(koho_out, ignore_errors=True)
    return result


def settle(seconds):
    """Waits after a tree was deleted (the corpus generator replaces the last one). On an ext4
    file system without a journal the inode allocator skips inodes deleted in the last 60 s
    (`recently_deleted` in fs/ext4/ialloc.c), reading the inode table for each: the first
    build after deleting 100,000 files paid 2-3 times the system time of the others."""
    os.sync()
    time.sleep(seconds)


def table(results):
    lines = ["| N × 3 langs | build | wall s | user s | sys s | peak MiB | koho/Zola | pages/s | MB md/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for n, r in results.items():
        zola = r.get("zola", {}).get("wall")
        for name in ("koho", "koho-nosearch", "koho-no-change", "koho-one-edit", "zola", "hugo"):
            if name not in r:
                continue
            m = r[name]
            ratio = f"{m['wall'] / zola:.2f}" if zola and name.startswith("koho") else ""
            rate = r["meta"]["pages"] / m["wall"] if m["wall"] else 0
            md = r["meta"]["markdown_mb"] / m["wall"] if m["wall"] else 0
            lines.append(f"| {int(n):,} | {name} | {m['wall']:.2f} | {m['user']:.2f} | {m['sys']:.2f} "
                         f"| {m['rss_mib']:.0f} | {ratio} | {rate:,.0f} | {md:.1f} |")
    return "\n".join(lines) + "\n"


def chart(results):
    """Two small line charts side by side: wall time and peak memory against N."""
    sizes = sorted(int(n) for n in results)
    names = [t for t in ("koho", "zola", "hugo") if all(t in results[str(n)] for n in sizes)]
    colours = {"koho": "#c0392b", "zola": "#2c3e50", "hugo": "#27ae60"}
    width, height, pad = 360, 240, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width}" height="{height + 30}" '
             'font-family="sans-serif" font-size="11">']
    for panel, (key, label) in enumerate((("wall", "fresh build, s"), ("rss_mib", "peak memory, MiB"))):
        x0 = panel * width
        top = max(results[str(n)][t][key] for n in sizes for t in names) or 1
        span = max(sizes[-1] - sizes[0], 1)
        parts.append(f'<text x="{x0 + pad}" y="14">{label} (x: releases per language)</text>')
        parts.append(f'<line x1="{x0 + pad}" y1="{height}" x2="{x0 + width - 10}" y2="{height}" stroke="#888"/>')
        parts.append(f'<line x1="{x0 + pad}" y1="20" x2="{x0 + pad}" y2="{height}" stroke="#888"/>')
        parts.append(f'<text x="{x0 + 2}" y="26">{top:.0f}</text>')
        for n in sizes:
            x = x0 + pad + (n - sizes[0]) / span * (width - pad - 20)
            parts.append(f'<text x="{x - 10:.0f}" y="{height + 14}">{n:,}</text>')
        for i, t in enumerate(names):
            points = []
            for n in sizes:
                x = x0 + pad + (n - sizes[0]) / span * (width - pad - 20)
                y = height - results[str(n)][t][key] / top * (height - 30)
                points.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<polyline fill="none" stroke="{colours[t]}" stroke-width="2" points="{" ".join(points)}"/>')
            parts.append(f'<text x="{x0 + width - 60}" y="{40 + 14 * i}" fill="{colours[t]}">{t}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=65,
                        help="seconds to wait after deleting a tree before timing builds")
    parser.add_argument("--work", default="/tmp/koho-bench")
    parser.add_argument("--zola", default=shutil.which("zola"))
    parser.add_argument("--hugo", default=shutil.which("hugo"))
    parser.add_argument("--koho-nosearch", help="a koho built without the search feature "
                        "(cargo build --release --no-default-features --features git,serve,cjk-phrases)")
    parser.add_argument("--out", default=os.path.join(REPO, "benches", "results"))
    args = parser.parse_args()
    if not os.path.exists(KOHO):
        sys.exit("build koho first: cargo build --release")
    for name in ("zola", "hugo"):
        if not getattr(args, name):
            print(f"{name} not found: measured without it", file=sys.stderr)
    results = {n: run_size(int(n), args) for n in args.sizes.split(",")}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table(results))
    with open(os.path.join(args.out, "chart.svg"), "w") as f:
        f.write(chart(results))
    print(table(results))


if __name__ == "__main__":
    main()
