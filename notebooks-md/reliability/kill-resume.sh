#!/usr/bin/env bash
# Kill/resume soak of ntm-bench: runs that are killed (SIGKILL) at random moments and resumed with
# --resume must end with the numbers of a run that was never interrupted, and every file of the run
# directory must parse at every kill. Then SIGINT/SIGTERM (exit 130/143 within 5 s, a report marked
# interrupted, --resume completes), a double Ctrl-C, a second run on the same --out, and a full disk.
#
# usage: notebooks-md/reliability/kill-resume.sh            (BIN=path/to/ntm-bench, KILLS=12, SEED=1, WORK=dir)
# Writes its log to stdout; summary lines start with "RESULT".
set -u
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/ntm-bench}
KILLS=${KILLS:-12}
SEED=${SEED:-1}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/ntm-soak.XXXXXX")}
CHECK="python3 notebooks-md/reliability/check_run_dir.py"
RANDOM=$SEED
[ -x "$BIN" ] || { echo "no $BIN; build it with: swift build -c release --product ntm-bench"; exit 2; }

COPY=(copy --length 10 --sequences 6000 --eval-sequences 100 --threads 2)
TRAIN=(train --model ntm --length 10 --sequences 20000 --eval-sequences 100 --threads 2)
failures=0

now() { echo $(( $(date +%s%N) / 1000000 )); }          # milliseconds
secs() { printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )); }
since() { secs $(( $(now) - $1 )); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# A uniform delay in [lo, hi] milliseconds from bash's seeded RANDOM.
delay() { echo $(( $1 + ($2 - $1) * RANDOM / 32767 )); }
progress() {  # sequences of each model's training checkpoint
    python3 - "$1" <<'EOF'
import json, os, struct, sys
d = os.path.join(sys.argv[1], "train-state")
out = []
for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
    if not name.endswith(".safetensors") or name.startswith("."):
        continue
    b = open(os.path.join(d, name), "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    m = json.loads(b[8:8 + n])["__metadata__"]
    s = json.loads(m["progress"])["sequences"]
    out.append(f"{name[:-12]}={s}{'(finished)' if m['status'] == 'finished' else ''}")
print(" ".join(out) or "no checkpoint yet")
EOF
}

reference() {  # name args...: an uninterrupted run; sets T (seconds)
    local name=$1; shift
    local t0; t0=$(now)
    "$BIN" "$@" --out "$WORK/$name-ref" --quiet >/dev/null 2>&1 || fail "$name reference run"
    T=$(( $(now) - t0 ))
    echo "$name: uninterrupted run $(secs $T) s"
}

soak() {  # name args...: SIGKILL at random moments, --resume each time, until KILLS kills, then finish
    local name=$1; shift
    local dir="$WORK/$name-soak" kills=0 attempts=0 bad=0 temporaries=0 t_all; t_all=$(now)
    local latencies=()
    while :; do
        attempts=$((attempts + 1))
        local log="$WORK/$name-attempt-$attempts.log" t0; t0=$(now)
        "$BIN" "$@" --out "$dir" --resume >"$log" 2>&1 &
        local pid=$! latency=""
        if [ $kills -lt "$KILLS" ]; then
            local until=$(( t0 + $(delay $(( T * 3 / 100 )) $(( T * 12 / 100 ))) ))
            while [ "$(now)" -lt $until ] && kill -0 $pid 2>/dev/null; do
                if [ -z "$latency" ] && grep -q "resuming\|starting from the beginning" "$log"; then latency=$(since "$t0"); fi
                sleep 0.02
            done
            [ -n "$latency" ] && latencies+=("$latency")
            if kill -0 $pid 2>/dev/null; then
                kill -9 $pid; wait $pid 2>/dev/null
                kills=$((kills + 1))
                local out; out=$($CHECK "$dir")
                echo "$name kill $kills after $(since "$t0") s (resume took ${latency:-?} s): $(progress "$dir"); $out"
                echo "$out" | grep -q "0 unparseable" || { bad=$((bad + 1)); fail "$name kill $kills: $out"; }
                echo "$out" | grep -q " 0 temporaries" || temporaries=$((temporaries + 1))
                continue
            fi
        fi
        wait $pid; local rc=$?
        [ $rc -eq 0 ] || fail "$name final run exited $rc: $(tail -1 "$log")"
        break
    done
    local cmp; cmp=$($CHECK --compare "$WORK/$name-ref" "$dir")
    [ "$cmp" = "same numbers" ] || fail "$name: $cmp"
    $CHECK "$dir" >/dev/null || fail "$name final directory"
    local lat; lat=$(printf '%s\n' "${latencies[@]:-}" | python3 -c "import sys; v=[float(x) for x in sys.stdin.read().split()]; print(f'median {sorted(v)[len(v)//2]:.3f} s, max {max(v):.3f} s' if v else 'n/a')")
    echo "RESULT $name: $kills SIGKILLs over $attempts launches, $bad with unparseable files ($temporaries left a writer's temporary); " \
         "resumed to completion in $(since "$t_all") s against $(secs $T) s uninterrupted; final results: $cmp; time to resume: $lat"
}

interrupt() {  # name signal expected-status args...
    local name=$1 sig=$2 want=$3; shift 3
    local dir="$WORK/$name-$sig"
    "$BIN" "$@" --out "$dir" >"$dir.log" 2>&1 &
    local pid=$!
    sleep "$(secs $(( T * 4 / 10 )))"
    local t0; t0=$(now)
    kill -"$sig" $pid; wait $pid; local rc=$? took; took=$(since "$t0")
    local status; status=$(python3 -c "import json; print(json.load(open('$dir/results.json'))['status'])" 2>&1)
    [ $rc -eq "$want" ] || fail "$name SIG$sig: exit $rc, expected $want"
    [ $(( $(now) - t0 )) -lt 5000 ] || fail "$name SIG$sig: took $took s"
    [ "$status" = "interrupted" ] || fail "$name SIG$sig: results.json status $status"
    $CHECK "$dir" >/dev/null || fail "$name SIG$sig: unparseable files"
    local at; at=$(progress "$dir")
    "$BIN" "$@" --out "$dir" --resume --quiet >/dev/null 2>&1 || fail "$name SIG$sig: --resume failed"
    local cmp; cmp=$($CHECK --compare "$WORK/$name-ref" "$dir")
    [ "$cmp" = "same numbers" ] || fail "$name SIG$sig resumed: $cmp"
    echo "RESULT $name SIG$sig: exit $rc after $took s, status $status at $at; --resume: $cmp"
}

double_interrupt() {  # name args...
    local name=$1; shift
    local dir="$WORK/$name-double"
    "$BIN" "$@" --out "$dir" >"$dir.log" 2>&1 &
    local pid=$!
    sleep "$(secs $(( T * 3 / 10 )))"
    local t0; t0=$(now)
    kill -INT $pid; sleep 0.01; kill -INT $pid; wait $pid; local rc=$? took; took=$(since "$t0")
    local out; out=$($CHECK "$dir")
    echo "$out" | grep -q "0 unparseable" || fail "$name double Ctrl-C: $out"
    [ $rc -eq 130 ] || fail "$name double Ctrl-C: exit $rc"
    "$BIN" "$@" --out "$dir" --resume --quiet >/dev/null 2>&1 || fail "$name double Ctrl-C: --resume failed"
    local cmp; cmp=$($CHECK --compare "$WORK/$name-ref" "$dir")
    [ "$cmp" = "same numbers" ] || fail "$name double Ctrl-C resumed: $cmp"
    echo "RESULT $name double Ctrl-C: exit $rc after $took s; $out; --resume: $cmp"
}

second_run() {  # name args...: a second run on a busy --out is refused; after a SIGKILL its lock is taken over
    local name=$1; shift
    local dir="$WORK/$name-lock"
    "$BIN" "$@" --out "$dir" --quiet >/dev/null 2>&1 &
    local pid=$!
    sleep 1
    local msg; msg=$("$BIN" "$@" --out "$dir" --resume --quiet 2>&1 >/dev/null); local rc=$?
    [ $rc -eq 1 ] && echo "$msg" | grep -q "in use by another ntm-bench run (pid $pid)" || fail "$name second run: exit $rc: $msg"
    kill -9 $pid; wait $pid 2>/dev/null
    "$BIN" "$@" --out "$dir" --resume --quiet >/dev/null 2>&1 || fail "$name: --resume after the holder was killed failed"
    local cmp; cmp=$($CHECK --compare "$WORK/$name-ref" "$dir")
    [ "$cmp" = "same numbers" ] || fail "$name lock takeover: $cmp"
    echo "RESULT $name second run on the same --out: exit $rc, \"$msg\"; after SIGKILL of the holder, --resume: $cmp"
}

full_disk() {  # name args...: the disk fills up mid-run; the last good checkpoint stays usable
    local name=$1; shift
    local dir="$WORK/$name-full" small="$WORK/$name-small"
    "$BIN" "$@" --out "$dir" --quiet >/dev/null 2>&1 &
    local pid=$!
    sleep "$(secs $(( T * 3 / 10 )))"
    kill -INT $pid; wait $pid
    mkdir -p "$small"
    local used; used=$(du -sk "$dir" | cut -f1)
    local how rc msg
    if mount -t tmpfs -o size=$((used + 64))k tmpfs "$small" 2>/dev/null; then
        how="a tmpfs of $((used + 64)) KB"
        cp -a "$dir" "$small/run"
        local before; before=$(cd "$small/run/train-state" && md5sum ./*.safetensors)
        msg=$("$BIN" "$@" --out "$small/run" --resume --quiet 2>&1 >/dev/null); rc=$?
        local after; after=$(cd "$small/run/train-state" && md5sum ./*.safetensors)
        $CHECK "$small/run" >/dev/null || fail "$name full disk: unparseable files"
        # Each state file is either untouched or a newer complete checkpoint; either way the run resumes.
        rm -rf "$dir" && cp -a "$small/run" "$dir" && umount "$small"
        [ "$before" = "$after" ] && how="$how (no checkpoint replaced)" || how="$how (some checkpoints replaced before the disk filled)"
    else
        how="ulimit -f $((used / 2)) KB (no tmpfs)"
        msg=$( (ulimit -f $((used / 2)); "$BIN" "$@" --out "$dir" --resume --quiet 2>&1 >/dev/null) ); rc=$?
        $CHECK "$dir" >/dev/null || fail "$name full disk: unparseable files"
    fi
    [ $rc -eq 1 ] && [ "$(echo "$msg" | wc -l)" -eq 1 ] || fail "$name full disk: exit $rc: $msg"
    "$BIN" "$@" --out "$dir" --resume --quiet >/dev/null 2>&1 || fail "$name: --resume after the full disk failed"
    local cmp; cmp=$($CHECK --compare "$WORK/$name-ref" "$dir")
    [ "$cmp" = "same numbers" ] || fail "$name full disk resumed: $cmp"
    echo "RESULT $name full disk ($how): exit $rc, \"$msg\"; --resume with space: $cmp"
}

echo "binary $BIN, work directory $WORK, seed $SEED, $KILLS kills per soak"
reference copy "${COPY[@]}"
soak copy "${COPY[@]}"
interrupt copy INT 130 "${COPY[@]}"
interrupt copy TERM 143 "${COPY[@]}"
double_interrupt copy "${COPY[@]}"
second_run copy "${COPY[@]}"
full_disk copy "${COPY[@]}"
reference train "${TRAIN[@]}"
soak train "${TRAIN[@]}"
interrupt train INT 130 "${TRAIN[@]}"
echo "RESULT failures: $failures"
exit $((failures > 0))
