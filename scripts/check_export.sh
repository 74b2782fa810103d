#!/usr/bin/env bash
# Exports a few presets to PyTorch and to Keras (`bptt-lab export`), runs each exported
# train.py in the peers' environment (../shared/peers/setup_venv.sh: torch, tensorflow-cpu),
# and prints, per case and precision, the worst relative difference between the script's loss
# and the lab's over the exported steps. The output is committed as docs/export-check.txt.
#
#   scripts/check_export.sh [BINARY] [STEPS]      (default target/release/bptt-lab, 100)
#   VENV=~/.cache/bptt-peers-venv (default)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/bptt-lab}
STEPS=${2:-100}
PY=${VENV:-$HOME/.cache/bptt-peers-venv}/bin/python
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# name | preset | settings for both | extra settings for Keras (one bias, Keras's Adam)
cases=(
    "tanh RNN, adding T=100|adding_rnn_t100||model.recurrent_bias=false;optimizer=keras_adam(lr: 0.003)"
    "LSTM, adding T=100|adding_lstm_t100||model.recurrent_bias=false;optimizer=keras_adam(lr: 0.003)"
    "GRU, adding T=100|adding_gru_t100||optimizer=keras_adam(lr: 0.003)"
    "GRU, per-tensor clipping|adding_gru_t100|clip=per_tensor_norm(max_norm: 0.5)|optimizer=keras_adam(lr: 0.003)"
    "LSTM, chunks of 10, update per chunk|temporal_order_lstm_tbptt|bptt=chunked(k: 10, mode: per_segment)|model.recurrent_bias=false;optimizer=keras_adam(lr: 0.003)"
    "LSTM, BPTT(10, 20) accumulated|temporal_order_lstm_tbptt|bptt=truncated(k1: 10, k2: 20, mode: accumulate)|model.recurrent_bias=false;optimizer=keras_adam(lr: 0.003)"
    "LSTM, text (cross-entropy)|text_sonnets_lstm||model.recurrent_bias=false;optimizer=keras_adam(lr: 0.003)"
    "ReLU RNN rho=1.8, SGD (exploding)|clip_exploding_rnn||model.recurrent_bias=false"
)

"$PY" -c "import torch, tensorflow, keras; print(f'torch {torch.__version__}, tensorflow {tensorflow.__version__}, keras {keras.__version__}')" 2>/dev/null
echo "bptt-lab $("$BIN" --version | awk '{print $2}'), $STEPS steps per case; worst relative difference |script - lab| / |lab| over the steps"
printf '%-40s %-8s %12s %12s\n' "case" "" "float64" "float32"
for c in "${cases[@]}"; do
    IFS='|' read -r name preset common keras <<<"$c"
    for fw in pytorch keras; do
        row=()
        for prec in f64 f32; do
            sets=(--set "precision=$prec")
            IFS=';' read -ra extra <<<"$common"
            for s in "${extra[@]}"; do [ -n "$s" ] && sets+=(--set "$s"); done
            if [ "$fw" = keras ]; then
                IFS=';' read -ra extra <<<"$keras"
                for s in "${extra[@]}"; do [ -n "$s" ] && sets+=(--set "$s"); done
            fi
            dir="$OUT/$preset-$fw-$prec-$RANDOM"
            if ! "$BIN" export "$fw" "$preset" --out "$dir" --batches "$STEPS" "${sets[@]}" >"$dir.log" 2>&1; then
                row+=("refused")
                continue
            fi
            worst=$("$PY" "$dir/train.py" 2>/dev/null | awk '/worst relative difference/ {print $NF}')
            row+=("${worst:-failed}")
        done
        printf '%-40s %-8s %12s %12s\n' "$name" "$fw" "${row[0]}" "${row[1]}"
    done
done
