#!/usr/bin/env bash
# A single-node Slurm cluster in a folder of its own, for tests and for trying `pinn sweep --executor slurm`:
# munged, slurmctld and slurmd (Debian's slurm-wlm 22.05 + munge) with ProctrackType=proctrack/linuxproc,
# TaskPlugin=task/none and the node's CPUs (2 by default). Runs as root; touches nothing outside DIR (its own munge
# key, socket, state, spool, logs and PID files) and needs no systemd.
#
#   scripts/slurm-local.sh start DIR [CPUS]   start the daemons, wait (up to 180 s) until the node is idle, print
#                                             `export SLURM_CONF=DIR/slurm.conf` (source it for sbatch/squeue/…)
#   scripts/slurm-local.sh stop DIR           stop the three daemons by the PIDs recorded in DIR (TERM, then KILL)
#   scripts/slurm-local.sh status DIR         sinfo and squeue of that cluster
#
# Ports: SLURM_LOCAL_CTLD_PORT (default 6817) and SLURM_LOCAL_SLURMD_PORT (6818).
set -euo pipefail

usage() { echo "usage: $0 start DIR [CPUS] | stop DIR | status DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
cpus=${3:-2}
conf=$dir/slurm.conf
ctld_port=${SLURM_LOCAL_CTLD_PORT:-6817}
slurmd_port=${SLURM_LOCAL_SLURMD_PORT:-6818}

die() { echo "slurm-local: $*" >&2; exit 1; }

stop_pid() {  # stop_pid NAME PIDFILE: TERM, wait up to 30 s, then KILL; only the recorded PID
  local name=$1 file=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || { rm -f "$file"; return 0; }
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then echo "slurm-local: $name ($pid) ignored TERM; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

case "$action" in
start)
  [ "$(id -u)" -eq 0 ] || die "must run as root (slurmd and munged of this single-node cluster run as root)"
  for tool in munged mungekey slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || die "$tool is missing: apt-get install slurm-wlm munge"
  done
  [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null && die "a cluster already runs in $dir (stop it first)"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir/munge"
  host=$(hostname -s)

  # munge: a key of its own, its own socket; munged refuses to run as root without --force.
  [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
  chmod 600 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
         --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
  for _ in $(seq 1 40); do [ -S "$dir/munge/munge.socket" ] && break; sleep 0.25; done
  [ -S "$dir/munge/munge.socket" ] || die "munged did not start: $(tail -3 "$dir/log/munged.log" 2>/dev/null)"
  cp "$dir/munge/munged.pid" "$dir/munged.pid"

  cat >"$conf" <<EOF
# Written by scripts/slurm-local.sh: a single-node cluster for tests.
ClusterName=pinnlocal
SlurmctldHost=$host(127.0.0.1)
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
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobRequeue=1
# Finished jobs stay visible to `squeue --states=all` for 10 minutes (there is no accounting database for sacct).
MinJobAge=600
KillWait=30
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  : >"$dir/cgroup.conf"
  export SLURM_CONF=$conf
  # -i: ignore a stale state folder from an earlier run of this script in the same DIR.
  slurmctld -f "$conf" -i >>"$dir/log/slurmctld.out" 2>&1 || die "slurmctld did not start: $(tail -5 "$dir/log/slurmctld.log" 2>/dev/null)"
  slurmd -f "$conf" >>"$dir/log/slurmd.out" 2>&1 || die "slurmd did not start: $(tail -5 "$dir/log/slurmd.log" 2>/dev/null)"

  # Up when the node is idle (about a minute at most); the daemons write their PID files themselves.
  state=""
  for _ in $(seq 1 180); do
    state=$(sinfo -h -n "$host" -o %t 2>/dev/null | head -1 || true)
    [ "$state" = "idle" ] && break
    sleep 1
  done
  if [ "$state" != "idle" ]; then
    echo "slurm-local: the node did not become idle in 180 s (state '${state:-none}'); logs:" >&2
    tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    "$0" stop "$dir" >&2 || true
    exit 1
  fi
  echo "export SLURM_CONF=$conf"
  ;;
stop)
  # Jobs first: a job step (slurmstepd) outlives a stopped slurmd, so cancel every job of this cluster and wait (up
  # to 90 s) until the node has no step left before the daemons go.
  if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    export SLURM_CONF=$conf
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u || true)
    [ -z "$jobs" ] || scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 90); do
      [ -z "$(squeue -h -t running,completing,configuring 2>/dev/null)" ] && [ -z "$(find "$dir/spool" -type s 2>/dev/null)" ] && break
      sleep 1
    done
  fi
  stop_pid slurmd "$dir/slurmd.pid"
  stop_pid slurmctld "$dir/slurmctld.pid"
  stop_pid munged "$dir/munged.pid"
  rm -f "$dir/munge/munged.pid"
  ;;
status)
  export SLURM_CONF=$conf
  sinfo; squeue --states=all
  ;;
*) usage ;;
esac
