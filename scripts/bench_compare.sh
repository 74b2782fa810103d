#!/usr/bin/env bash
# Times workload W (shared/peers/bench_common.py) in bptt-lab and in PyTorch, TensorFlow and
# JAX, one right after the other, for one thread count; writes one JSON line per point and
# framework into OUT/threads-N.jsonl. Then `scripts/bench_table.py OUT/*.jsonl` makes the table.
# Usage: scripts/bench_compare.sh THREADS OUT [extra args for all, e.g. --cell lstm --hidden 32]
# Arguments for bptt-lab only (e.g. --with-peak) go in OWN_ARGS: OWN_ARGS=--with-peak ...
# Needs the peers' venv: `bash ../shared/peers/setup_venv.sh` (VENV defaults to
# ~/.cache/bptt-peers-venv) and a release build: `cargo build --release`.
set -euo pipefail
threads=${1:?threads}
out=${2:?output dir}
shift 2
peers=${PEERS:-$(cd "$(dirname "$0")/../../shared/peers" && pwd)}
venv=${VENV:-$HOME/.cache/bptt-peers-venv}
bin=${BIN:-target/release/bptt-lab}
mkdir -p "$out"
file="$out/threads-$threads.jsonl"
: >"$file"
cpus=$(seq -s, 0 $((threads - 1)))
grid=(--cell "${CELLS:-rnn,lstm,gru}" --hidden "${HIDDENS:-32,128,256}" --seq "${SEQS:-50,200}")
echo "bptt-lab, $threads thread(s)" >&2
# shellcheck disable=SC2086 # OWN_ARGS is a list of words
taskset -c "$cpus" "$bin" bench "${grid[@]}" --threads "$threads" ${OWN_ARGS:-} "$@" | tee -a "$file"
for fw in torch tf jax; do
    echo "$fw, $threads thread(s)" >&2
    "$venv/bin/python" "$peers/bench_$fw.py" "${grid[@]}" --threads "$threads" "$@" 2>/dev/null | tee -a "$file"
done
