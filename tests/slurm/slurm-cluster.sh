#!/usr/bin/env bash
# A throw-away single-node Slurm cluster on this machine (munge, MariaDB, slurmdbd,
# slurmctld, slurmd) to run the study through workflow/profiles/slurm and check that
# it gives the same results as a local run. Run with --help for usage.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${IRGAN_SLURM_STATE:-/tmp/irgan-slurm}
WORK=${IRGAN_SLURM_WORK:-}
CONFIGFILE=${IRGAN_SLURM_CONFIGFILE:-config/demo.yaml}
RUN_TIMEOUT=${IRGAN_SLURM_TIMEOUT:-420}
REFERENCE=""
TARGETS=()
ROOTED=()
RUN_PID=""
RUN_WORK=""
PACKAGES=(slurmctld slurmd slurm-client slurmdbd munge mariadb-server)

usage() {
    cat <<EOF
Usage: tests/slurm/slurm-cluster.sh [OPTIONS] COMMAND [TARGET ...]

A single-node Slurm cluster on localhost with accounting (slurmdbd on MariaDB),
so that Snakemake's SLURM executor plugin can submit jobs and query them with
sacct. The node offers 8 CPUs, 40 GB and four fake GPUs (gres gpu:h100:4,
backed by /dev/null, /dev/zero, /dev/full and /dev/urandom) in two partitions,
'cpu' and 'gpu', the names the profile in workflow/profiles/slurm uses. Needs root and Debian/Ubuntu packages; it runs no
container and changes no system service: every daemon is started by this
script and stopped by 'down', by PID.

Commands:
  up        Install the missing packages (${PACKAGES[*]};
            one 'apt-get update' first), write the configuration under the
            state directory, start the daemons and wait until 'sinfo' shows
            the node idle.
  down      Cancel remaining jobs and stop every daemon 'up' started, by PID.
  status    Show the daemons' PIDs, sinfo and squeue.
  run-demo  Run the study (default: $CONFIGFILE) locally and through the
            SLURM profile into separate results directories, then compare
            their deterministic numeric results (tests/slurm/compare_results.py).
            Needs a cluster that is up. TARGETs, if given, are passed to both
            runs: a rule name as it is, a path (one with a '/') relative to the
            results root, e.g. synthetic/runs/test/irgan-code/seed-1/record.json.
  check     up, run-demo, down; down also runs when a step fails. This is what
            CI runs.

Options (environment variable in brackets):
  --state DIR       configs, logs, spool, database and PID files
                    [IRGAN_SLURM_STATE, default /tmp/irgan-slurm]
  --work DIR        results of the two runs, SLURM job logs
                    [IRGAN_SLURM_WORK, default STATE/work]
  --configfile F    study configuration [IRGAN_SLURM_CONFIGFILE, default config/demo.yaml]
  --timeout S       limit for each snakemake run in seconds [IRGAN_SLURM_TIMEOUT, default 420]
  --reference DIR   skip the local run; compare with a results directory of an earlier
                    local run of the same configuration (e.g. results/ after the demo;
                    only the files that the SLURM run writes are compared)
  -h, --help        this text

Try the profile yourself (as root, from the repository root, with the study's
Python environment active so that 'snakemake' and the plugin are on PATH):
  tests/slurm/slurm-cluster.sh up
  snakemake --profile workflow/profiles/slurm --configfile config/demo.yaml \\
      --config results=/tmp/slurm-try --slurm-init-seconds-before-status-checks 5
  squeue; sacct                      # in another shell, while it runs
  tests/slurm/slurm-cluster.sh down
EOF
}

log() { printf '[slurm-cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Daemons in start order: name, PID file, executable name as in /proc/PID/comm.
daemon_table() {
    cat <<EOF
munged $STATE/munge/munged.pid munged
mariadbd $STATE/mysql-run/mariadbd.pid mariadbd
slurmdbd $STATE/run/slurmdbd.pid slurmdbd
slurmctld $STATE/run/slurmctld.pid slurmctld
slurmd $STATE/run/slurmd.pid slurmd
EOF
}

require_root() { [ "$(id -u)" = 0 ] || die "'$1' needs root (it installs packages and starts daemons)"; }

install_packages() {
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install Slurm, munge and MariaDB by hand"
    log "installing ${missing[*]}"
    # Keep the packages' init scripts from starting system services: this script starts
    # its own daemons and must be able to stop all of them.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [ ! -e $policy ]; then
        printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy && added_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$STATE/log/apt.log" 2>&1 || rc=$?
    [ $rc -eq 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >>"$STATE/log/apt.log" 2>&1 || rc=$?; }
    [ $added_policy = 1 ] && rm -f $policy
    [ $rc -eq 0 ] || { tail -20 "$STATE/log/apt.log" >&2; die "apt-get failed (log: $STATE/log/apt.log)"; }
}

write_configs() {
    local host=$1 munge_socket=$STATE/run/munge.socket.2
    cat > "$STATE/etc/slurm.conf" <<EOF
# Single-node test cluster written by tests/slurm/slurm-cluster.sh.
ClusterName=irgantest
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$munge_socket
CryptoType=crypto/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
StateSaveLocation=$STATE/spool/slurmctld
SlurmdSpoolDir=$STATE/spool/slurmd
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
MpiDefault=none
# No cgroups on the machines this runs on.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# The node may declare more CPUs and memory than it has, so rules with many
# threads can be scheduled on a small machine.
SlurmdParameters=config_overrides
DefMemPerCPU=500
MinJobAge=300
GresTypes=gpu
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStoragePass=$munge_socket
AccountingStorageTRES=gres/gpu
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
NodeName=$host CPUs=8 RealMemory=40000 Gres=gpu:h100:4 State=UNKNOWN
PartitionName=cpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=ALL MaxTime=INFINITE State=UP
EOF
    # Four fake GPUs (one device file each): sbatch accepts --gpus / --gres=gpu requests on a
    # machine without a GPU, and four training jobs (8 GB each, as the profile asks) fit at once.
    printf 'NodeName=%s Name=gpu Type=h100 File=%s\n' "$host" /dev/null "$host" /dev/zero \
        "$host" /dev/full "$host" /dev/urandom > "$STATE/etc/gres.conf"
    cat > "$STATE/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$munge_socket
DbdHost=localhost
DbdPort=6819
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3307
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
PidFile=$STATE/run/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
EOF
    chmod 600 "$STATE/etc/slurmdbd.conf"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "$what did not happen within ${seconds}s (logs: $STATE/log)"
        sleep 0.5
    done
}

pid_alive() {  # pid_alive PIDFILE COMM
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1")
    [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$2" ]
}

node_idle() { sinfo -h -o %t | grep -qx idle; }

cmd_up() {
    require_root up
    local host
    host=$(hostname -s)
    local current
    current=$(readlink /etc/slurm/slurm.conf 2>/dev/null || true)
    if [ -e /etc/slurm/slurm.conf ] && [ "$current" != "$STATE/etc/slurm.conf" ]; then
        # A link left by an earlier run of this script with another --state, whose daemons are
        # gone (the run was killed): safe to replace. Anything else is someone's real Slurm.
        if [ -n "$current" ] && head -1 "$current" 2>/dev/null | grep -q "written by tests/slurm/slurm-cluster.sh" \
                && ! pgrep -x slurmctld >/dev/null; then
            log "replacing the stale /etc/slurm/slurm.conf link of an earlier run ($current)"
            rm -f /etc/slurm/slurm.conf
        else
            die "/etc/slurm/slurm.conf exists and is not this script's: is a real Slurm installed here?"
        fi
    fi
    local name pidfile comm
    while read -r name pidfile comm; do
        pid_alive "$pidfile" "$comm" && die "$name is already running (PID $(cat "$pidfile")): run 'down' first"
    done < <(daemon_table)

    mkdir -p "$STATE"/{etc,run,munge,log,mysql,mysql-run,spool/slurmctld,spool/slurmd} /etc/slurm
    install_packages
    write_configs "$host"
    # Inside a job the jobstep plugin drops every SLURM_* variable (SLURM_CONF too):
    # the configuration must be at the default path.
    ln -sfn "$STATE/etc/slurm.conf" /etc/slurm/slurm.conf

    if [ ! -s /etc/munge/munge.key ]; then
        log "creating /etc/munge/munge.key"
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    chown munge:munge "$STATE/run" "$STATE/munge"
    chmod 700 "$STATE/munge"
    chmod 755 "$STATE/run"
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged --socket="$STATE/run/munge.socket.2" \
        --key-file=/etc/munge/munge.key --log-file="$STATE/munge/munged.log" \
        --pid-file="$STATE/munge/munged.pid" --seed-file="$STATE/munge/munged.seed"

    log "starting MariaDB (127.0.0.1:3307)"
    chown mysql:mysql "$STATE/mysql" "$STATE/mysql-run"
    if [ ! -d "$STATE/mysql/mysql" ]; then
        mariadb-install-db --user=mysql --datadir="$STATE/mysql" --skip-test-db \
            >"$STATE/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (log: $STATE/log/mariadb-install.log)"
    fi
    setsid /usr/sbin/mariadbd --user=mysql --datadir="$STATE/mysql" \
        --socket="$STATE/mysql-run/mariadbd.sock" --port=3307 --bind-address=127.0.0.1 \
        --pid-file="$STATE/mysql-run/mariadbd.pid" --log-error="$STATE/log/mariadbd.log" \
        --innodb-buffer-pool-size=64M </dev/null >/dev/null 2>&1 &
    wait_for 60 "MariaDB start" test -S "$STATE/mysql-run/mariadbd.sock"
    mariadb -S "$STATE/mysql-run/mariadbd.sock" -u root -e "CREATE USER IF NOT EXISTS
        'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw'; GRANT ALL ON slurm_acct_db.* TO
        'slurm'@'127.0.0.1'; FLUSH PRIVILEGES;"

    log "starting slurmdbd, slurmctld, slurmd"
    /usr/sbin/slurmdbd
    wait_for 60 "slurmdbd answering" sacctmgr -n list cluster
    /usr/sbin/slurmctld
    /usr/sbin/slurmd
    wait_for 60 "node $host idle" node_idle
    sinfo
    log "cluster up (state: $STATE)"
}

cmd_down() {
    local name pidfile comm pid jobs
    if [ -L /etc/slurm/slurm.conf ] && pid_alive "$STATE/run/slurmctld.pid" slurmctld; then
        jobs=$(squeue -h -o %i 2>/dev/null || true)
        if [ -n "$jobs" ]; then
            log "cancelling jobs: $(echo $jobs)"
            # shellcheck disable=SC2086
            scancel $jobs || true
            for _ in $(seq 40); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.5; done
        fi
    fi
    # Stop in reverse start order.
    while read -r name pidfile comm; do
        if pid_alive "$pidfile" "$comm"; then
            pid=$(cat "$pidfile")
            log "stopping $name (PID $pid)"
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            if kill -0 "$pid" 2>/dev/null; then
                log "$name did not stop, killing it"
                kill -9 "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$pidfile"
    done < <(daemon_table | tac)
    if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$STATE/etc/slurm.conf" ]; then
        rm -f /etc/slurm/slurm.conf
    fi
    log "cluster down"
}

cmd_status() {
    local name pidfile comm
    while read -r name pidfile comm; do
        if pid_alive "$pidfile" "$comm"; then echo "$name: running, PID $(cat "$pidfile")"
        else echo "$name: not running"; fi
    done < <(daemon_table)
    if pid_alive "$STATE/run/slurmctld.pid" slurmctld; then sinfo; squeue; fi
}

find_tools() {  # snakemake and the Python beside it (the study's environment)
    if command -v snakemake >/dev/null; then
        SNAKEMAKE=snakemake PYTHON=python3
    elif [ -x "$REPO/.venv/bin/snakemake" ]; then
        SNAKEMAKE=$REPO/.venv/bin/snakemake PYTHON=$REPO/.venv/bin/python
    else
        die "snakemake not found: activate the study's Python environment"
    fi
}

run_snakemake() {  # run_snakemake NAME LOGFILE ARGS...
    local name=$1 logfile=$2; shift 2
    local start=$SECONDS rc=0
    log "$name run: snakemake $* (log: $logfile)"
    # In the background, so that a signal to this script stops it at once (stop_run).
    timeout -k 10 "$RUN_TIMEOUT" "$SNAKEMAKE" "$@" >"$logfile" 2>&1 &
    RUN_PID=$!
    wait "$RUN_PID" || rc=$?
    RUN_PID=""
    if [ $rc -ne 0 ]; then
        tail -40 "$logfile" >&2
        [ $rc -eq 124 ] || [ $rc -eq 137 ] && log "$name run timed out after ${RUN_TIMEOUT}s"
        remove_own_locks
        die "$name run failed (exit $rc)"
    fi
    log "$name run done in $((SECONDS - start))s"
}

targets_under() {  # targets_under ROOT: ROOTED=TARGETS, paths put under the results root ROOT
    local target
    ROOTED=()
    for target in ${TARGETS[@]+"${TARGETS[@]}"}; do
        case $target in
            */*) ROOTED+=("$1/$target") ;;
            *) ROOTED+=("$target") ;;
        esac
    done
}

cmd_run_demo() {
    cd "$REPO"
    find_tools
    pid_alive "$STATE/run/slurmctld.pid" slurmctld || die "no cluster under $STATE: run 'up' first"
    local work=${WORK:-$STATE/work}
    work=$(mkdir -p "$work" && cd "$work" && pwd)
    RUN_WORK=$work
    rm -rf "$work/slurm" "$work/slurm-logs"
    local common=(--configfile "$CONFIGFILE" --workflow-profile none)
    local reference=$REFERENCE
    if [ -z "$reference" ]; then
        reference=$work/local
        rm -rf "$reference"
        targets_under "$reference"
        run_snakemake local "$work/local.log" --cores 2 "${common[@]}" \
            --config results="$reference" ${ROOTED[@]+"${ROOTED[@]}"}
    fi
    # The profile as users run it; only what a one-node test cluster needs differs:
    # four jobs at once (most of a demo job is Snakemake starting up inside it, so two real
    # cores serve more than two jobs), short waits, and job logs beside the results. The
    # plugin polls first after --slurm-init-seconds-before-status-checks, then at intervals
    # 10 s longer each time until a job ends: a first poll at 5 s (then 20 s, 45 s) catches a
    # wave of demo jobs (about 15 s each) at 20 s, where 1 s (then 12 s, 33 s) waits to 33 s.
    targets_under "$work/slurm"
    run_snakemake slurm "$work/slurm.log" --profile workflow/profiles/slurm "${common[@]}" \
        --config results="$work/slurm" --jobs 4 --latency-wait 5 \
        --slurm-init-seconds-before-status-checks 5 --slurm-logdir "$work/slurm-logs" \
        --slurm-keep-successful-logs ${ROOTED[@]+"${ROOTED[@]}"}
    log "the jobs, as Slurm's accounting saw them:"
    "$PYTHON" "$REPO/tests/slurm/slurm_jobs.py" "$work/slurm.log" \
        || die "the jobs did not get the resources the profile asks for"
    log "comparing $reference with $work/slurm"
    local scope=()
    [ -n "$REFERENCE" ] && scope=(--reference-may-hold-more)
    "$PYTHON" "$REPO/tests/slurm/compare_results.py" ${scope[@]+"${scope[@]}"} "$reference" "$work/slurm" \
        || die "the SLURM run's results differ from the local run's"
}

remove_own_locks() {
    # A killed snakemake leaves its locks behind. 'snakemake --unlock' would remove every
    # lock of the working tree, also those of other runs: remove only the locks that name
    # nothing but this script's results.
    local lock
    [ -n "$RUN_WORK" ] || return 0
    for lock in "$REPO"/.snakemake/locks/*.lock; do
        [ -f "$lock" ] || continue
        grep -q -v -e "^$RUN_WORK/" -e '^$' "$lock" || rm -f "$lock"
    done
}

stop_run() {  # stop a snakemake run still going (this script was interrupted)
    [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null || return 0
    log "stopping the snakemake run (PID $RUN_PID)"
    kill "$RUN_PID" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.25; done
    remove_own_locks
}

cmd_check() {
    require_root check
    local start=$SECONDS
    trap 'stop_run; cmd_down' EXIT
    trap 'exit 143' TERM INT HUP
    cmd_up
    log "cluster ready after $((SECONDS - start))s"
    cmd_run_demo
    log "SLURM check passed in $((SECONDS - start))s"
}

COMMAND=""
while [ $# -gt 0 ]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --state) STATE=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        --configfile) CONFIGFILE=$2; shift 2 ;;
        --timeout) RUN_TIMEOUT=$2; shift 2 ;;
        --reference) REFERENCE=$(cd "$2" && pwd); shift 2 ;;
        up|down|status|run-demo|check)
            [ -z "$COMMAND" ] || die "one command at a time"
            COMMAND=$1; shift ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) [ -n "$COMMAND" ] || die "unknown command $1 (see --help)"
           TARGETS+=("$1"); shift ;;
    esac
done
STATE=$(mkdir -p "$STATE" && cd "$STATE" && pwd)
# Daemons and clients read this; gres.conf and slurmdbd.conf are found beside it.
export SLURM_CONF=$STATE/etc/slurm.conf

case $COMMAND in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    run-demo) trap 'stop_run' EXIT; trap 'exit 143' TERM INT HUP; cmd_run_demo ;;
    check) cmd_check ;;
    "") usage >&2; exit 2 ;;
esac
