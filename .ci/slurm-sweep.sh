#!/usr/bin/env bash
# Sweeps on a real Slurm cluster (one node, started in a temporary directory by .ci/slurm-local.sh):
#   1. tasks/sweeps/smoke.json submitted as a job array (`sweep slurm --submit --wait`) and the same sweep run
#      here with `sweep run --jobs 2`: the two merged reports and their figures must be byte-identical;
#   2. tasks/sweeps/smoke-requeue.json: its one run is signalled mid-way with `scancel --batch --signal=USR1`
#      (what Slurm sends before a time limit); it must checkpoint, requeue its array task, resume from the
#      checkpoint (not restart) and end with the trained weights and numbers of an uninterrupted run;
#   3. the same run preempted: a second cluster (one node in a low and a high partition, PreemptType=
#      preempt/partition_prio, PreemptMode=REQUEUE) runs it in the low one until a high job needs every core;
#      Slurm must send it SIGTERM (it checkpoints) and requeue the task itself, which resumes and ends as in 2.
# Needs a release build of ntm-bench. Exit 3 when Slurm is not installed (SLURM_LOCAL_INSTALL=1 installs it
# from Debian's packages). Stops exactly the daemons and jobs it started, by their recorded process ids.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.build/release/ntm-bench
[ -x "$BIN" ] || { echo "slurm-sweep: build ntm-bench first (swift build -c release --product ntm-bench)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ntm-kit-slurm.XXXXXX")
CLUSTER=$WORK/cluster
say() { printf 'slurm-sweep: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

status=0
.ci/slurm-local.sh start "$CLUSTER" > "$WORK/cluster.env" || status=$?
if [ "$status" -eq 3 ]; then
    say "Slurm is not installed: not checked (SLURM_LOCAL_INSTALL=1 installs it)"
    exit 3
fi
[ "$status" -eq 0 ] || fail "the cluster did not start"
ok=0
# On any exit: stop what was started; keep the directory (logs, runs) only when a check failed.
PCLUSTER=$WORK/cluster-preempt
trap '"$ROOT"/.ci/slurm-local.sh stop "$CLUSTER" >&2 || true; if [ -d "$PCLUSTER" ]; then "$ROOT"/.ci/slurm-local.sh stop "$PCLUSTER" >&2 || true; fi; if [ "$ok" = 1 ]; then rm -rf "$WORK"; else say "kept $WORK"; fi' EXIT
eval "$(cat "$WORK/cluster.env")"

# Wait until `$1` succeeds, polling every 0.2 s, for at most $2 seconds.
wait_for() {
    local deadline=$((SECONDS + $2))
    until eval "$1"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# Slurm holds a requeued task back about two minutes (BeginTime): start task ${job}_0 as soon as it is pending,
# but not within the second in which its first run was ended: slurmd revoked that run's credential then, and
# refuses a credential made in the same second ("Killing non-startable batch JobId=...: Job credential revoked",
# which ends the task with the run unfinished; seen once here). One second after PENDING is always later.
start_requeued() {
    wait_for "[ \"\$(squeue -h -r -j $job -o %T)\" = PENDING ]" 60 || fail "task ${job}_0 was not requeued $1 (log: rq/slurm/${job}_0.out)"
    sleep 1
    scontrol update "JobId=${job}_0" StartTime=now
}

# The run $id of ./rq, requeued once, resumed from its checkpoint and ended as the uninterrupted run in
# $WORK/local/rq did: the same weights, the same evaluation. $1 names it in the failures.
check_resumed() {
    local log=rq/slurm/${job}_0.out
    grep -q "\] $id resumes from its checkpoint at [0-9]* sequences" "$log" || fail "the requeued task did not resume from the checkpoint ($log)"
    grep -q '"restarts":1' "rq/runs/$id/.claims/g00000002/owner.json" || fail "the requeued task (restart 1) did not take over the claim"
    "$BIN" sweep status rq | head -1 | grep -q ": 1 runs: 1 done" || fail "the $1 run did not finish"
    cmp "rq/runs/$id/ntm.safetensors" "$WORK/local/rq/runs/$id/ntm.safetensors" || fail "the $1 run's weights differ from an uninterrupted run's"
    python3 - "rq/runs/$id/results.json" "$WORK/local/rq/runs/$id/results.json" <<'PY' || fail "the $1 run's numbers differ from an uninterrupted run's"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sys.exit(0 if [m["eval"] for m in a["models"]] == [m["eval"] for m in b["models"]] else 1)
PY
}

# 1. The same sweep on Slurm and here. The Slurm side's path has a space: sbatch splits an #SBATCH line at a
# space outside double quotes, so this checks that the script's --output and --chdir survive it.
start=$SECONDS
SLURMSIDE="$WORK/on slurm"
mkdir -p "$SLURMSIDE" "$WORK/local"
(cd "$SLURMSIDE" && "$BIN" sweep plan "$ROOT/tasks/sweeps/smoke.json" --out sweep > /dev/null \
    && "$BIN" sweep slurm sweep --submit --wait > "$WORK/smoke.job") || fail "the array job failed (logs in $SLURMSIDE/sweep/slurm)"
(cd "$WORK/local" && "$BIN" sweep plan "$ROOT/tasks/sweeps/smoke.json" --out sweep > /dev/null \
    && "$BIN" sweep run sweep --jobs 2 --quiet > /dev/null) || fail "sweep run --jobs 2 failed"
for side in "$SLURMSIDE" "$WORK/local"; do (cd "$side" && "$BIN" report sweep > /dev/null) || fail "report of the sweep in $side"; done
"$BIN" sweep status "$SLURMSIDE/sweep" | head -1 | grep -q ": 12 runs: 12 done" || fail "not every array task finished its run"
grep -q "None: every planned run finished." "$SLURMSIDE/sweep/report.md" || fail "the Slurm sweep's report lists unfinished runs"
cmp "$SLURMSIDE/sweep/report.md" "$WORK/local/sweep/report.md" || fail "the reports differ: diff $SLURMSIDE/sweep/report.md $WORK/local/sweep/report.md"
diff -r "$SLURMSIDE/sweep/figures" "$WORK/local/sweep/figures" > /dev/null || fail "the figures differ"
say "array job $(cut -d';' -f1 "$WORK/smoke.job") and sweep run --jobs 2 made the same report (12 runs, $((SECONDS - start)) s)"

# 2. A run signalled mid-way is requeued and resumes.
start=$SECONDS
cd "$SLURMSIDE"
"$BIN" sweep plan "$ROOT/tasks/sweeps/smoke-requeue.json" --out rq > /dev/null
id=$("$BIN" sweep status rq | awk 'NR == 2 { print $2 }')
job=$("$BIN" sweep slurm rq --submit 2> /dev/null | cut -d';' -f1)
[ -n "$id" ] && [ -n "$job" ] || fail "could not submit the requeue sweep"
wait_for "[ -f rq/runs/$id/train-state/ntm.safetensors ]" 120 || fail "no checkpoint appeared in rq/runs/$id"
scancel --batch --signal=USR1 "${job}_0"
# The task checkpoints and asks to be requeued.
start_requeued "after SIGUSR1"
wait_for "[ -z \"\$(squeue -h -r -j $job -o %T)\" ]" 300 || fail "the requeued task did not finish"
log=rq/slurm/${job}_0.out
grep -q "requeueing Slurm task ${job}_0" "$log" || fail "the signalled task did not requeue itself ($log)"
(cd "$WORK/local" && "$BIN" sweep plan "$ROOT/tasks/sweeps/smoke-requeue.json" --out rq > /dev/null && "$BIN" sweep run rq --quiet > /dev/null)
check_resumed requeued
say "task ${job}_0, signalled at $(grep -o 'resumes from its checkpoint at [0-9]* sequences' "$log" | grep -o '[0-9]*') sequences, was requeued, resumed and matched an uninterrupted run ($((SECONDS - start)) s)"

# 3. The same run preempted by a job of a higher partition. Its own cluster, so that 1 and 2 keep testing the
# default one; the first is stopped so that the two never share the cores. GraceTime=0 (the default): a grace
# time would hold the SIGTERM back until it ends, since Slurm signals a job's steps first and this task has none.
start=$SECONDS
"$ROOT"/.ci/slurm-local.sh stop "$CLUSTER" >&2 || fail "could not stop the first cluster"
SLURM_LOCAL_PARTITIONS=$'PartitionName=low Nodes=ALL PriorityTier=1 Default=YES MaxTime=INFINITE State=UP\n'\
$'PartitionName=high Nodes=ALL PriorityTier=2 MaxTime=INFINITE State=UP' \
SLURM_LOCAL_CONF_EXTRA=$'PreemptType=preempt/partition_prio\nPreemptMode=REQUEUE' \
    "$ROOT"/.ci/slurm-local.sh start "$PCLUSTER" > "$WORK/cluster-preempt.env" || fail "the preemption cluster did not start"
eval "$(cat "$WORK/cluster-preempt.env")"
mkdir -p "$WORK/preempt" && cd "$WORK/preempt"
"$BIN" sweep plan "$ROOT/tasks/sweeps/smoke-requeue.json" --out rq > /dev/null
id=$("$BIN" sweep status rq | awk 'NR == 2 { print $2 }')
job=$("$BIN" sweep slurm rq --partition low --submit 2> /dev/null | cut -d';' -f1)
[ -n "$id" ] && [ -n "$job" ] || fail "could not submit the preemption sweep"
wait_for "[ -f rq/runs/$id/train-state/ntm.safetensors ]" 120 || fail "no checkpoint appeared in preempt/rq/runs/$id"
# CR_Core: only a job that needs the cores the task holds preempts it, so the high job asks for all of them.
cpus=$(sinfo -h -N -o %c | head -1)
high=$(sbatch --parsable -p high -c "$cpus" -o "$WORK/preempt/high-%j.out" --wrap 'sleep 5') || fail "could not submit the high job"
# Slurm requeues the preempted task itself and holds it back about two minutes (BeginTime): started now as in 2,
# and a second after it is PENDING for the same reason (the high job holding the cores makes it later anyway).
start_requeued "by the preemption"
wait_for "[ -z \"\$(squeue -h -r -j $job,$high -o %T)\" ]" 300 || fail "the preempted task or the high job did not finish"
log=rq/slurm/${job}_0.out
grep -q "CANCELLED AT .* DUE TO PREEMPTION" "$log" || fail "task ${job}_0 was not preempted ($log)"
grep -q "SIGTERM: stopping after the current step" "$log" || fail "the preempted task got no SIGTERM ($log)"
grep -q "\] $id interrupted; it resumes from its checkpoints" "$log" || fail "the preempted run did not checkpoint and stop ($log)"
check_resumed preempted
say "task ${job}_0, preempted by job $high at $(grep -o 'resumes from its checkpoint at [0-9]* sequences' "$log" | grep -o '[0-9]*') sequences, got SIGTERM, was requeued by Slurm, resumed and matched an uninterrupted run ($((SECONDS - start)) s)"
ok=1
say "ok"
