#!/usr/bin/env bash
# Opens the real window under Xvfb with a quick preset and --autostart, takes two screenshots
# a few seconds apart, and fails if the window did not render or the plots did not change;
# then resizes it to 1024x700 and 1920x1080 and keeps a screenshot of each.
# Usage: scripts/gui_smoke.sh [BINARY] [OUT_DIR]
set -euo pipefail
bin=${1:-target/debug/bptt-lab}
out=${2:-target/gui-smoke}
mkdir -p "$out"
rm -f "$out"/shot-*.png

export XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
# A fresh settings folder: the preset on the command line decides what opens.
export XDG_DATA_HOME=$(mktemp -d)
export LIBGL_ALWAYS_SOFTWARE=1
display=:97
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
app=
cleanup() {
    [ -n "$app" ] && kill "$app" 2>/dev/null || true
    kill "$xvfb" 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY=$display
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

"$bin" gui adding_lstm_t100 --autostart --runs 4 >"$out/app.log" 2>&1 &
app=$!
sleep 10
kill -0 "$app" || { echo "the app exited early:"; cat "$out/app.log"; exit 1; }
import -window root "$out/shot-1.png"
sleep 5
import -window root "$out/shot-2.png"

# Rendered: the screen is not one flat colour.
for s in "$out/shot-1.png" "$out/shot-2.png"; do
    sd=$(convert "$s" -colorspace Gray -format '%[fx:standard_deviation]' info:)
    echo "$s: grey standard deviation $sd"
    awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }' || { echo "the window did not render ($s is flat)"; exit 1; }
done
# Alive: the plots changed between the two shots.
diff_px=$(compare -metric AE "$out/shot-1.png" "$out/shot-2.png" /dev/null 2>&1 || true)
echo "pixels that changed between the shots: $diff_px"
awk -v d="${diff_px%% *}" 'BEGIN { exit !(d + 0 > 500) }' || { echo "the plots did not change"; exit 1; }
# The window at the sizes people use: each screenshot is kept (look at them) and must render.
win=$(xdotool search --pid "$app" 2>/dev/null | tail -1 || true)
if [ -z "$win" ]; then echo "the app's window was not found"; exit 1; fi
for size in 1024x700 1920x1080; do
    xdotool windowsize "$win" "${size%x*}" "${size#*x}"
    sleep 3
    import -window root -crop "${size}+0+0" "$out/shot-$size.png"
    sd=$(convert "$out/shot-$size.png" -colorspace Gray -format '%[fx:standard_deviation]' info:)
    echo "$out/shot-$size.png: grey standard deviation $sd"
    awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }' || { echo "the window did not render at $size"; exit 1; }
done
kill -0 "$app" || { echo "the app exited while resized:"; cat "$out/app.log"; exit 1; }
echo "GUI smoke test passed"
