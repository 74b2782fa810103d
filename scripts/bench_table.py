#!/usr/bin/env python3
"""Markdown table of bptt-lab against the peers from bench JSON lines (scripts/bench_compare.sh).

For each (threads, cell, hidden, seq): steps/s of every framework (median wall-clock; CPU-time
throughput in brackets), bptt-lab's ratio to the best peer and to PyTorch. Where bptt-lab's lines
carry the step breakdown (`gemm_share` ..., bench since #20), a second table gives it: the shares
of a step in GEMM, element-wise passes and the rest, the GFLOP/s inside the GEMMs and of the
whole step, and (lines from `bench --with-peak`) the step's share of that run's GEMM peak. Given
lines of 1 and 2 threads, a third table gives bptt-lab's 2-thread speed over its 1-thread speed.
Usage: scripts/bench_table.py FILE.jsonl... [--key steps_per_sec|steps_per_cpu_sec]
"""
import json
import sys

key = "steps_per_sec"
files = []
args = sys.argv[1:]
while args:
    a = args.pop(0)
    if a == "--key":
        key = args.pop(0)
    else:
        files.append(a)

rows = {}
for f in files:
    for line in open(f):
        line = line.strip()
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        k = (d["threads"], d["cell"], d["hidden"], d["seq"])
        rows.setdefault(k, {})[d["framework"]] = d

names = {"bptt-lab": "bptt-lab", "torch": "PyTorch", "pytorch": "PyTorch", "tensorflow": "TF",
         "tf": "TF", "jax": "JAX"}
order = ["bptt-lab", "PyTorch", "TF", "JAX"]
print(f"| threads | cell | H | T | {' | '.join(order)} | ×best peer | ×PyTorch |")
print("|---|---|---|---|" + "---|" * (len(order) + 2))
worst_best, worst_torch = None, None
for k in sorted(rows):
    by = {names.get(fw.lower(), fw): d for fw, d in rows[k].items()}
    vals = {n: by[n].get(key) for n in order if n in by}
    cells = [f"{vals[n]:.1f}" if n in vals and vals[n] else "—" for n in order]
    ours = vals.get("bptt-lab")
    peers = [v for n, v in vals.items() if n != "bptt-lab" and v]
    best = max(peers) if peers else None
    torch = vals.get("PyTorch")
    rb = ours / best if ours and best else None
    rt = ours / torch if ours and torch else None
    if rb is not None:
        worst_best = rb if worst_best is None else min(worst_best, rb)
    if rt is not None:
        worst_torch = rt if worst_torch is None else min(worst_torch, rt)
    fmt = lambda r: f"{r:.2f}" if r is not None else "—"
    print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {' | '.join(cells)} | {fmt(rb)} | {fmt(rt)} |")
print()
print(f"worst ratio to the best peer: {worst_best:.2f}; to PyTorch: {worst_torch:.2f} ({key})"
      if worst_best is not None and worst_torch is not None else "")

broken = [(k, rows[k]["bptt-lab"]) for k in sorted(rows)
          if "bptt-lab" in rows[k] and "gemm_share" in rows[k]["bptt-lab"]]
if broken:
    pct = lambda d, name: f"{100 * d[name]:.1f}" if name in d else "—"
    num = lambda d, name, f="{:.1f}": f.format(d[name]) if name in d else "—"
    print()
    print("| threads | cell | H | T | steps/s | GEMM % | element-wise % | rest % | GEMM GFLOP/s "
          "| step GFLOP/s | GEMM peak | step of peak |")
    print("|---|---|---|---|" + "---|" * 8)
    for k, d in broken:
        print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {num(d, 'steps_per_sec')} "
              f"| {pct(d, 'gemm_share')} | {pct(d, 'elementwise_share')} | {pct(d, 'rest_share')} "
              f"| {num(d, 'gemm_gflops')} | {num(d, 'step_gflops')} "
              f"| {num(d, 'gemm_peak_gflops')} | {pct(d, 'of_peak')} |")
    covers = sorted({d["breakdown_covers"] for _, d in broken if "breakdown_covers" in d})
    for c in covers:
        print(f"\nbreakdown covers: {c}")

# With lines of both thread counts: bptt-lab's 2-thread speed over its own 1-thread speed.
own = {k: rows[k]["bptt-lab"][key] for k in rows if "bptt-lab" in rows[k]}
pairs = [(k[1:], own[k], own.get((2,) + k[1:])) for k in sorted(own) if k[0] == 1]
pairs = [(p, one, two) for p, one, two in pairs if two]
if pairs:
    print()
    print("| cell | H | T | 1 thread | 2 threads | ×1 thread |")
    print("|---|---|---|---|---|---|")
    for (cell, h, t), one, two in pairs:
        print(f"| {cell} | {h} | {t} | {one:.1f} | {two:.1f} | {two / one:.2f} |")
