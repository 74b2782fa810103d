#!/usr/bin/env bash
# A real one-node Slurm on this machine, and a successive-halving sweep through it.
#
#   scripts/slurm_check.sh BINARY WORKDIR
#
# Starts munged, slurmctld and slurmd (Debian's munge and slurm-wlm; no systemd, no cgroups,
# no accounting) with a slurm.conf written for this machine under WORKDIR, then:
#   1. runs sweeps/slurm_check.ron (27 setups, 3 rungs) here, with `bptt-lab sweep`;
#   2. emits it into a directory whose path has a space, submits array.sh held, cancels one
#      task, releases the rest, and checks that `--collect` names the cancelled run with the
#      command that resubmits just it; runs that command;
#   3. collects each rung and submits the next with the command `--collect` prints;
#   4. checks that the survivors of every rung, halving.csv and results.csv (but wall_secs)
#      are the same as the local run's.
# Stops the daemons it started, whatever happens. Needs root (slurmd runs jobs as root here).
set -euo pipefail

binary=$(realpath "$1")
work=$(mkdir -p "$2" && realpath "$2")
repo=$(cd "$(dirname "$0")/.." && pwd)
sweep_file="$repo/sweeps/slurm_check.ron"
deadline_secs=${SLURM_CHECK_TIMEOUT:-600}

say() { printf '[slurm-check %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() {
    say "FAILED: $*"
    for log in "$work"/etc/*.log; do
        [ -f "$log" ] && { echo "--- $log (last 30 lines)"; tail -n 30 "$log"; }
    done
    exit 1
}

rm -rf "$work/etc" "$work/local" "$work/slurm sweep"
mkdir -p "$work/etc/munge" "$work/etc/state" "$work/etc/spool"
chmod 0700 "$work/etc/munge"
etc="$work/etc"

pids=()
cleanup() {
    for pidfile in "$etc/slurmd.pid" "$etc/slurmctld.pid" "$etc/munge/munged.pid"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

say "munged"
head -c 1024 /dev/urandom > "$etc/munge/munge.key"
chmod 0600 "$etc/munge/munge.key"
munged --force --key-file="$etc/munge/munge.key" --socket="$etc/munge/munge.socket" \
    --pid-file="$etc/munge/munged.pid" --log-file="$etc/munge.log" \
    --seed-file="$etc/munge/munged.seed"

host=$(hostname -s)
# This machine as slurmd sees it (CPUs, sockets, threads, memory), on one line.
node_line=$(slurmd -C | head -n 1)
port=$(( 20000 + RANDOM % 20000 ))
cat > "$etc/slurm.conf" <<EOF
ClusterName=bpttci
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$etc/munge/munge.socket
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$(( port + 1 ))
StateSaveLocation=$etc/state
SlurmdSpoolDir=$etc/spool
SlurmctldPidFile=$etc/slurmctld.pid
SlurmdPidFile=$etc/slurmd.pid
SlurmctldLogFile=$etc/slurmctld.log
SlurmdLogFile=$etc/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MpiDefault=none
ReturnToService=2
InactiveLimit=0
KillWait=5
MinJobAge=600
$node_line State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$etc/slurm.conf"

say "slurmctld and slurmd ($node_line)"
slurmctld -c
slurmd -c
start=$(date +%s)
until sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; do
    [ $(( $(date +%s) - start )) -lt 60 ] || fail "the node did not come up in 60 s: $(sinfo 2>&1 || true)"
    sleep 1
done
say "node up: $(sinfo -h -o '%N %T %c CPUs %m MB')"

# Waits until the job has no task pending or running.
wait_job() {
    local job=$1 start
    start=$(date +%s)
    while squeue -h -j "$job" -t PENDING,RUNNING,CONFIGURING,COMPLETING 2>/dev/null | grep -q .; do
        [ $(( $(date +%s) - start )) -lt "$deadline_secs" ] || fail "job $job still running after $deadline_secs s"
        sleep 1
    done
}

# Runs an `sbatch ...` command as --collect printed it (with --parsable) and waits for it.
submit_and_wait() {
    local command=$1 job
    say "submit: $command"
    job=$(eval "${command/sbatch /sbatch --parsable }") || fail "sbatch refused: $command"
    wait_job "${job%%;*}"
}

say "1. the sweep here"
t0=$(date +%s)
"$binary" sweep "$sweep_file" --out "$work/local" --jobs 2 > "$work/local.log" 2>&1 \
    || { cat "$work/local.log"; fail "the local sweep failed"; }
say "local sweep: $(( $(date +%s) - t0 )) s"

say "2. emit, submit held, cancel task 5, release"
t0=$(date +%s)
dir="$work/slurm sweep"
"$binary" sweep "$sweep_file" --emit "$dir" > "$work/emit.log"
job=$(sbatch --parsable --hold "$dir/array.sh") || fail "sbatch refused array.sh"
job=${job%%;*}
scancel "${job}_5"
scontrol release "$job"
wait_job "$job"

set +e
"$binary" sweep --collect "$dir" > "$work/collect0.out" 2> "$work/collect0.err"
status=$?
set -e
[ "$status" -eq 1 ] || { cat "$work/collect0.out" "$work/collect0.err"; fail "--collect with task 5 cancelled exited $status, not 1"; }
grep -q "0005" "$work/collect0.err" || fail "--collect did not name run 0005: $(cat "$work/collect0.err")"
resubmit=$(grep -o "sbatch --array=5 '[^']*/array.sh'" "$work/collect0.err") \
    || fail "--collect did not print the resubmit command for task 5: $(cat "$work/collect0.err")"
submit_and_wait "$resubmit"

say "3. the rungs"
for rung in 1 2; do
    "$binary" sweep --collect "$dir" > "$work/collect$rung.out" 2>&1 \
        || { cat "$work/collect$rung.out"; fail "--collect before rung $rung failed"; }
    next=$(grep -o "sbatch --array=[0-9,-]* --export=ALL,BPTT_RUNG=$rung '[^']*/array.sh'" "$work/collect$rung.out") \
        || { cat "$work/collect$rung.out"; fail "--collect did not print rung $rung's sbatch command"; }
    submit_and_wait "$next"
done
"$binary" sweep --collect "$dir" > "$work/collect3.out" 2>&1 \
    || { cat "$work/collect3.out"; fail "the last --collect failed"; }
grep -q "all 3 rungs complete" "$work/collect3.out" || { cat "$work/collect3.out"; fail "not all rungs complete"; }
say "Slurm sweep: $(( $(date +%s) - t0 )) s"

say "4. the same survivors and results as here"
for f in rungs.csv rungs/0.csv rungs/1.csv rungs/2.csv halving.csv; do
    cmp -s "$work/local/$f" "$dir/$f" || fail "$f differs: $(diff "$work/local/$f" "$dir/$f" | head -20)"
done
# results.csv and every rung's results but wall_secs (the last column).
for f in results.csv rungs/0-results.csv rungs/1-results.csv rungs/2-results.csv; do
    diff <(cut -d, -f1-$(( $(head -1 "$dir/$f" | tr ',' '\n' | wc -l) - 1 )) "$work/local/$f") \
         <(cut -d, -f1-$(( $(head -1 "$dir/$f" | tr ',' '\n' | wc -l) - 1 )) "$dir/$f") > /dev/null \
        || fail "$f differs beyond wall_secs"
done
logs=$(find "$dir/logs" -name "${job}_*.out" | wc -l)
[ "$logs" -ge 26 ] || fail "only $logs logs named ${job}_<task>.out"
say "survivors: rung 1 $(( $(wc -l < "$dir/rungs/1.csv") - 1 )) runs, rung 2 $(( $(wc -l < "$dir/rungs/2.csv") - 1 )) runs; identical to the local sweep"
cat "$dir/halving.csv" | sort -t, -k"$(head -1 "$dir/halving.csv" | tr ',' '\n' | wc -l)" -r | head -4
say "passed"
