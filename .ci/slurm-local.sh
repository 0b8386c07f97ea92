#!/usr/bin/env bash
# A real single-node Slurm cluster (munged + slurmctld + slurmd) that lives entirely in one directory,
# for CI and for developers: the recipe measured on our CI machines (Debian 12, root, 2 cores, no systemd).
#
#   .ci/slurm-local.sh start DIR          eval "$(.ci/slurm-local.sh start DIR)" sets SLURM_CONF
#   .ci/slurm-local.sh stop DIR [--remove]
#   .ci/slurm-local.sh env DIR            prints the export line of a running cluster
#   source .ci/slurm-local.sh [start DIR]  defines slurm_local_start/stop/env (they return, never exit;
#                                          start also exports SLURM_CONF), and runs a command if given
# Exit codes: 0 ok, 1 failure (a failed install too), 2 usage, 3 Slurm is not installed
# (SLURM_LOCAL_INSTALL=1 installs it with apt-get). Only the export line goes to stdout.
# DIR keeps its logs after stop; --remove deletes it, and only if this script made it (.slurm-local).
# Two variables change the cluster that start writes (unset or empty: the default cluster, unchanged):
#   SLURM_LOCAL_PARTITIONS   slurm.conf lines that replace the default 'PartitionName=local ...' line
#                            (Nodes=ALL names the one node whatever the host is called)
#   SLURM_LOCAL_CONF_EXTRA   slurm.conf lines appended at the end (e.g. PreemptType=..., PreemptMode=...);
#                            a key already written above takes their value
# so that a test can have several partitions and preemption, e.g.
#   SLURM_LOCAL_PARTITIONS=$'PartitionName=low Nodes=ALL PriorityTier=1 Default=YES\nPartitionName=high Nodes=ALL PriorityTier=2'
#   SLURM_LOCAL_CONF_EXTRA=$'PreemptType=preempt/partition_prio\nPreemptMode=REQUEUE'
# start on a cluster that is already running changes nothing, whatever they say.
#
# Why it is built this way:
# - No systemd and no cgroups on our machines: the daemons run in the foreground (-D, -F) as plain
#   background processes, so $! is each daemon's PID; proctrack/linuxproc + task/none touch nothing
#   outside DIR (the cgroup plugins leave directories behind in the system hierarchy).
# - Each cluster has its own munge key and socket (AuthInfo=socket=...), so the system munge is never
#   used. munged needs --force as root and --origin to need no hostname lookup; DIR is 0711 because
#   munged distrusts a socket whose parent directories are not searchable by all.
# - The first free ports from 6817, so several clusters can run side by side.
# - PIDs are recorded with their start time (field 22 of /proc/PID/stat) and nothing is killed by name:
#   a recycled PID or another cluster's daemon is never hit.
# - stop cancels the jobs first, because slurmstepd is re-parented to PID 1 and outlives slurmd.
# - The daemons' stdin/stdout/stderr are /dev/null and log files, and they are disowned: a caller's
#   $(...) or `wait` must not wait on them.
# - batch_sched_delay=0 because the default schedules array tasks in waves of 2 every ~3 s.

_sl_say() { printf 'slurm-local: %s\n' "$*" >&2; }

# Microseconds since the epoch, and seconds since such a time with two decimals (no bc on a bare machine).
_sl_us() { printf '%s\n' "${EPOCHREALTIME//[.,]/}"; }
_sl_secs() {
    local d=$(($(_sl_us) - $1))
    printf '%d.%02d\n' "$((d / 1000000))" "$((d % 1000000 / 10000))"
}

_sl_install_hint='apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge'

# The full path of an executable file (type -P: `command -v true` names the builtin, and MailProg
# needs a file); the daemons live in sbin, which a user's PATH may lack.
_sl_bin() {
    local p
    p=$(type -P "$1" 2>/dev/null) && [[ -n $p ]] && { printf '%s\n' "$p"; return 0; }
    for p in /usr/sbin /sbin /usr/bin /bin /usr/local/sbin /usr/local/bin; do
        [[ -x $p/$1 ]] && { printf '%s\n' "$p/$1"; return 0; }
    done
    return 1
}

_sl_absdir() {
    local d=${1-}
    [[ -n $d ]] || { _sl_say "missing DIR"; return 2; }
    [[ $d == /* ]] || d=$PWD/$d
    while [[ $d == */ && $d != / ]]; do d=${d%/}; done
    printf '%s\n' "$d"
}

# "STATE PPID STARTTIME" of a process. The command name (field 2) may hold spaces and parentheses,
# so the fields are counted after its last ')'.
_sl_proc() {
    local line rest
    local -a f
    read -r line 2>/dev/null <"/proc/$1/stat" || return 1
    rest=${line##*) }
    read -r -a f <<<"$rest"
    printf '%s %s %s\n' "${f[0]}" "${f[1]}" "${f[19]}"
}

# Alive = exists, same start time as recorded, and not a zombie waiting for its parent to reap it.
_sl_alive() {
    local info state start
    info=$(_sl_proc "$1") || return 1
    state=${info%% *}
    start=${info##* }
    [[ $start == "$2" && $state != Z && $state != X ]]
}

_sl_starttime() {
    local info
    info=$(_sl_proc "$1") || return 1
    printf '%s\n' "${info##* }"
}

# The recorded daemons of DIR, one "NAME PID START" per line.
_sl_records() {
    [[ -f $1/pids ]] || return 0
    local name pid start
    while read -r name pid start; do
        [[ -n ${start-} ]] && printf '%s %s %s\n' "$name" "$pid" "$start"
    done <"$1/pids"
    return 0
}

# True when all three recorded daemons are alive.
_sl_running() {
    local name pid start n=0
    while read -r name pid start; do
        _sl_alive "$pid" "$start" || return 1
        n=$((n + 1))
    done < <(_sl_records "$1")
    ((n == 3))
}

_sl_export_line() { printf 'export SLURM_CONF=%q\n' "$1/slurm.conf"; }

# "PID START" of every descendant of the given PIDs, from one snapshot of the process table.
_sl_descendants() {
    local -A kids=()
    local f line rest pid ppid c start
    for f in /proc/[0-9]*/stat; do
        read -r line 2>/dev/null <"$f" || continue
        pid=${line%% *}
        rest=${line##*) }
        read -r _ ppid _ <<<"$rest"
        kids[$ppid]+=" $pid"
    done
    local -a queue=("$@")
    while ((${#queue[@]})); do
        pid=${queue[0]}
        queue=("${queue[@]:1}")
        for c in ${kids[$pid]-}; do
            start=$(_sl_starttime "$c") || continue
            printf '%s %s\n' "$c" "$start"
            queue+=("$c")
        done
    done
}

# Processes holding a Unix socket under DIR/spool (the slurmstepd of a job that scancel did not end).
# They belong to this cluster whatever their name or parent.
_sl_spool_holders() {
    local spool=$1/spool/ inode
    local -a pat=()
    while read -r inode; do
        ((${#pat[@]})) && pat+=(-o)
        pat+=(-lname "socket:\\[$inode\\]")
    done < <(awk -v p=" $spool" 'index($0, p) { print $7 }' /proc/net/unix)
    ((${#pat[@]})) || return 0
    local fd pid start
    while read -r fd; do
        pid=${fd#/proc/}
        pid=${pid%%/*}
        start=$(_sl_starttime "$pid") || continue
        printf '%s %s\n' "$pid" "$start"
    done < <(find /proc/[0-9]*/fd -maxdepth 1 \( "${pat[@]}" \) 2>/dev/null | sort -u -t/ -k3,3n)
}

# Ends the processes given as "PID START" arguments: TERM, then KILL after 5 s. Fails if one survives.
_sl_kill() {
    local -a live=() left=()
    local p pid start i
    for p in "$@"; do
        read -r pid start <<<"$p"
        _sl_alive "$pid" "$start" || continue
        kill -TERM "$pid" 2>/dev/null || true
        live+=("$p")
    done
    for ((i = 0; i < 80 && ${#live[@]}; i++)); do
        if ((i == 50)); then
            _sl_say "still alive after 5 s, sending SIGKILL to PID$(printf ' %s' "${live[@]%% *}")"
            for p in "${live[@]}"; do
                read -r pid start <<<"$p"
                if _sl_alive "$pid" "$start"; then kill -KILL "$pid" 2>/dev/null || true; fi
            done
        fi
        sleep 0.1
        left=()
        for p in "${live[@]}"; do
            read -r pid start <<<"$p"
            if _sl_alive "$pid" "$start"; then left+=("$p"); fi
        done
        live=("${left[@]}")
    done
    ((${#live[@]} == 0)) || { _sl_say "could not end PID$(printf ' %s' "${live[@]%% *}")"; return 1; }
}

_sl_ensure_installed() {
    local b
    local -a missing=()
    for b in munged munge unmunge slurmctld slurmd sbatch sinfo squeue scancel scontrol; do
        _sl_bin "$b" >/dev/null || missing+=("$b")
    done
    ((${#missing[@]} == 0)) && return 0
    if [[ ${SLURM_LOCAL_INSTALL-} != 1 ]]; then
        _sl_say "Slurm is not installed (no ${missing[*]}): run '$_sl_install_hint' as root, or set SLURM_LOCAL_INSTALL=1"
        return 3
    fi
    _sl_say "installing: $_sl_install_hint"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        slurmctld slurmd slurm-client munge >&2; then
        # A fresh machine has no package lists yet.
        _sl_say "install failed; running apt-get update and trying again"
        if ! DEBIAN_FRONTEND=noninteractive apt-get update >&2 ||
            ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
                slurmctld slurmd slurm-client munge >&2; then
            _sl_say "could not install Slurm"
            return 1
        fi
    fi
    for b in "${missing[@]}"; do
        _sl_bin "$b" >/dev/null || { _sl_say "still no $b after the install"; return 1; }
    done
}

# Taken TCP ports (any socket bound to the port, except TIME_WAIT, which does not block a bind).
# awk, not `while read`: bash rereads a seekable /proc file from the start for every line, which
# costs seconds of system time once Slurm's RPCs have left a few hundred TIME_WAIT sockets.
_sl_taken_ports() {
    local hex
    while read -r hex; do
        printf '%d\n' "$((16#$hex))"
    done < <(awk 'FNR > 1 && $4 != "06" { n = split($2, a, ":"); print a[n] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
}

_sl_tail_logs() {
    local f
    # The .out files: each daemon's stderr, which has what its log file has plus what came before it.
    for f in "$1"/log/*.out; do
        [[ -f $f ]] || continue
        printf '==> %s <==\n' "$f" >&2
        tail -n 15 "$f" >&2 || true
    done
}

# Ends what DIR/pids records (the slurm daemons, then munged), the job steps found by their sockets
# and all their descendants. Cancels no job: stop does that first, and a failed start has none.
_sl_kill_recorded() {
    local dir=$1 name pid start
    local -a slurm=() munge=() desc=()
    while read -r name pid start; do
        _sl_alive "$pid" "$start" || continue
        if [[ $name == munged ]]; then munge+=("$pid $start"); else slurm+=("$pid $start"); fi
    done < <(_sl_records "$dir")
    # Job steps that outlived scancel (their slurmstepd hangs off PID 1, not slurmd) count as roots.
    mapfile -t -O "${#slurm[@]}" slurm < <(_sl_spool_holders "$dir")
    # The descendants are listed before anything is killed, which would re-parent them to PID 1.
    mapfile -t desc < <(_sl_descendants "${slurm[@]%% *}")
    local rc=0
    _sl_kill "${slurm[@]}" "${desc[@]}" || rc=1
    if ((${#munge[@]})); then
        mapfile -t desc < <(_sl_descendants "${munge[0]%% *}")
        _sl_kill "${munge[@]}" "${desc[@]}" || rc=1
    fi
    ((rc == 0)) && rm -f "$dir/pids"
    return "$rc"
}

# Launches one daemon in the background and records "NAME PID START" in DIR/pids.
_sl_launch() {
    local dir=$1 name=$2 pid start
    shift 2
    "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
    pid=$!
    disown "$pid" 2>/dev/null || true
    start=$(_sl_starttime "$pid") || { _sl_say "$name exited at once"; return 1; }
    printf '%s %s %s\n' "$name" "$pid" "$start" >>"$dir/pids"
}

_sl_recorded_alive() {
    local name pid start
    read -r name pid start < <(grep "^$2 " "$1/pids" 2>/dev/null) || return 1
    _sl_alive "$pid" "$start"
}

slurm_local_start() {
    local dir
    dir=$(_sl_absdir "${1-}") || return 2
    local conf=$dir/slurm.conf
    if _sl_running "$dir"; then
        _sl_say "already running in $dir"
        export SLURM_CONF=$conf
        _sl_export_line "$dir"
        return 0
    fi
    local rc=0
    _sl_ensure_installed || return $?
    if [[ -e $dir && ! -f $dir/.slurm-local ]] && [[ -n $(ls -A "$dir" 2>/dev/null) ]]; then
        _sl_say "$dir exists, is not empty and was not made by slurm-local.sh; not touching it"
        return 1
    fi
    # What is left of a cluster that half-died.
    if [[ -f $dir/pids ]]; then
        _sl_kill_recorded "$dir" || return 1
    fi

    local munged slurmctld slurmd munge unmunge sinfo
    munged=$(_sl_bin munged) && slurmctld=$(_sl_bin slurmctld) && slurmd=$(_sl_bin slurmd) &&
        munge=$(_sl_bin munge) && unmunge=$(_sl_bin unmunge) && sinfo=$(_sl_bin sinfo) || return 3
    local t0
    t0=$(_sl_us)

    local node
    node=$(hostname -s 2>/dev/null) || node=$(uname -n)
    node=${node%%.*}

    [[ -n $node ]] || { _sl_say "no host name"; return 1; }

    # Explicit modes: munged rejects a socket or key directory that group or others may write to,
    # whatever the caller's umask. slurmd wants its spool directory to exist already.
    if ! { mkdir -p "$dir" && chmod 0711 "$dir" &&
        mkdir -p "$dir/munge" "$dir/state" "$dir/spool/slurmd-$node" "$dir/log" "$dir/jobs" &&
        chmod 0755 "$dir/munge" "$dir/state" "$dir/spool" "$dir/spool/slurmd-$node" "$dir/log" "$dir/jobs" &&
        : >"$dir/.slurm-local" && : >"$dir/plugstack.conf"; }; then
        _sl_say "cannot create $dir"
        return 1
    fi
    local key=$dir/munge/munge.key
    if [[ ! -s $key ]] && ! { (umask 077 && head -c 1024 /dev/urandom >"$key") && chmod 0400 "$key"; }; then
        _sl_say "cannot write $key"
        return 1
    fi

    # Topology as slurmd sees it; RealMemory at 90 % so the node is never drained for "Low RealMemory".
    local out line word nodeline=""
    out=$("$slurmd" -C 2>/dev/null) || { _sl_say "slurmd -C failed"; return 1; }
    while IFS= read -r line; do
        [[ $line == NodeName=* ]] && break
        line=""
    done <<<"$out"
    [[ -n $line ]] || { _sl_say "slurmd -C printed no NodeName line: $out"; return 1; }
    for word in $line; do
        case $word in
        NodeName=*) word=NodeName=$node ;;
        RealMemory=*) word=RealMemory=$((${word#RealMemory=} * 9 / 10)) ;;
        esac
        nodeline+="$word "
    done
    nodeline+="NodeAddr=127.0.0.1 NodeHostname=$node State=UNKNOWN"

    local -A taken=()
    local p ctld_port slurmd_port
    while read -r p; do taken[$p]=1; done < <(_sl_taken_ports)
    for ((p = 6817; p < 65535; p++)); do [[ -n ${taken[$p]-} ]] || break; done
    ctld_port=$p
    for ((p = ctld_port + 1; p < 65535; p++)); do [[ -n ${taken[$p]-} ]] || break; done
    slurmd_port=$p

    local true_bin
    true_bin=$(_sl_bin true) || true_bin=/bin/true
    # The caller's partitions replace the default one as a whole (a preemption test needs two on the node).
    local partitions="PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP"
    [[ -n ${SLURM_LOCAL_PARTITIONS-} ]] && partitions=$SLURM_LOCAL_PARTITIONS
    cat >"$conf" <<EOF || { _sl_say "cannot write $conf"; return 1; }
# Written by .ci/slurm-local.sh; rewritten at each start.
ClusterName=local
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
PlugStackConfig=$dir/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=$true_bin
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
MaxArraySize=100001
MaxJobCount=200000
$nodeline
$partitions
EOF
    # Appended at the end, not merged: for a key given twice Slurm 22.05 takes the later value (and logs
    # "specified more than once, latest value used"), so these lines can also change a default above,
    # e.g. KillWait=30 as on most clusters.
    if [[ -n ${SLURM_LOCAL_CONF_EXTRA-} ]]; then
        printf '%s\n' "$SLURM_LOCAL_CONF_EXTRA" >>"$conf" || { _sl_say "cannot write $conf"; return 1; }
    fi

    rm -f "$dir/pids"
    local sock=$dir/munge/munge.socket i ok=0
    _sl_launch "$dir" munged "$munged" -F --force --origin=127.0.0.1 --socket="$sock" \
        --key-file="$key" --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" \
        --log-file="$dir/log/munged.log" || rc=1
    for ((i = 0; rc == 0 && i < 100; i++)); do
        if "$munge" -n -S "$sock" 2>/dev/null | "$unmunge" -S "$sock" >/dev/null 2>&1; then ok=1; break; fi
        _sl_recorded_alive "$dir" munged || break
        sleep 0.1
    done
    ((ok)) || { _sl_say "munged did not come up"; rc=1; }

    ((rc == 0)) && { _sl_launch "$dir" slurmctld "$slurmctld" -D -f "$conf" || rc=1; }
    ((rc == 0)) && { _sl_launch "$dir" slurmd "$slurmd" -D -f "$conf" -N "$node" || rc=1; }

    # "idle*" would mean slurmd is not responding, so only exactly "idle" counts.
    local state="" deadline
    deadline=$(($(_sl_us) + 60000000))
    while ((rc == 0)); do
        state=$(SLURM_CONF=$conf "$sinfo" -h -N -n "$node" -o %t 2>/dev/null) || state=""
        # sinfo -N prints the node once per partition it is in (SLURM_LOCAL_PARTITIONS may give several),
        # with the node's one state on each line.
        state=${state%%$'\n'*}
        [[ $state == idle ]] && break
        if ! _sl_recorded_alive "$dir" slurmctld || ! _sl_recorded_alive "$dir" slurmd ||
            ! _sl_recorded_alive "$dir" munged; then
            _sl_say "a daemon died during start"
            rc=1
        elif (($(_sl_us) > deadline)); then
            _sl_say "node $node not idle after 60 s (state: '${state}')"
            rc=1
        else
            sleep 0.1
        fi
    done
    if ((rc != 0)); then
        _sl_tail_logs "$dir"
        _sl_kill_recorded "$dir" || true
        return 1
    fi
    _sl_say "node $node idle in $dir after $(_sl_secs "$t0") s (ports $ctld_port/$slurmd_port)"
    export SLURM_CONF=$conf
    _sl_export_line "$dir"
}

slurm_local_stop() {
    local dir="" remove=0 a
    for a in "$@"; do
        case $a in
        --remove) remove=1 ;;
        -*) _sl_say "unknown option $a"; return 2 ;;
        *) [[ -z $dir ]] || { _sl_say "one DIR only"; return 2; }; dir=$a ;;
        esac
    done
    dir=$(_sl_absdir "$dir") || return 2
    local conf=$dir/slurm.conf rc=0 t0
    t0=$(_sl_us)

    if _sl_recorded_alive "$dir" slurmctld && [[ -f $conf ]]; then
        local squeue scancel ids i n
        squeue=$(_sl_bin squeue) && scancel=$(_sl_bin scancel) || return 3
        ids=$(SLURM_CONF=$conf "$squeue" -h -o %F 2>/dev/null | sort -u) || ids=""
        if [[ -n $ids ]]; then
            n=$(wc -w <<<"$ids")
            # shellcheck disable=SC2086
            SLURM_CONF=$conf "$scancel" $ids >&2 || true
            for ((i = 0; i < 100; i++)); do
                ids=$(SLURM_CONF=$conf "$squeue" -h -o %i 2>/dev/null) || break
                [[ -z $ids ]] && break
                sleep 0.2
            done
            if [[ -n $ids ]]; then
                _sl_say "queue not empty after 20 s; killing what is left"
            else
                _sl_say "cancelled $n job(s)"
            fi
        fi
    fi

    local name pid start any=0
    while read -r name pid start; do
        if _sl_alive "$pid" "$start"; then any=1; fi
    done < <(_sl_records "$dir")
    [[ -n $(_sl_spool_holders "$dir") ]] && any=1
    if ((any)); then
        _sl_kill_recorded "$dir" || rc=1
        ((rc == 0)) && _sl_say "stopped $dir in $(_sl_secs "$t0") s"
    else
        _sl_say "nothing running in $dir"
        rm -f "$dir/pids"
    fi
    ((rc == 0)) || return 1

    if ((remove)) && [[ -d $dir ]]; then
        if [[ -f $dir/.slurm-local ]]; then
            rm -rf -- "$dir" || { _sl_say "cannot remove $dir"; return 1; }
        else
            _sl_say "$dir was not made by slurm-local.sh; not removing it"
            return 1
        fi
    fi
    return 0
}

slurm_local_env() {
    local dir
    dir=$(_sl_absdir "${1-}") || return 2
    _sl_running "$dir" || { _sl_say "no cluster running in $dir"; return 1; }
    _sl_export_line "$dir"
}

slurm_local_main() {
    local cmd=${1-}
    (($#)) && shift
    case $cmd in
    start) (($# == 1)) || { _sl_say "usage: start DIR"; return 2; }; slurm_local_start "$1" ;;
    stop) slurm_local_stop "$@" ;;
    env) (($# == 1)) || { _sl_say "usage: env DIR"; return 2; }; slurm_local_env "$1" ;;
    *)
        _sl_say "usage: slurm-local.sh start DIR | stop DIR [--remove] | env DIR"
        return 2
        ;;
    esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    slurm_local_main "$@"
    exit $?
fi
# Sourced: with a command (source .ci/slurm-local.sh start DIR) run it; otherwise only define functions.
case ${1-} in
start | stop | env) slurm_local_main "$@" ;;
esac
