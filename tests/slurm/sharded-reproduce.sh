#!/usr/bin/env bash
# Sharding on a real Slurm: starts a single-node Slurm (slurmctld, slurmd, munged; configured in a temporary folder,
# nothing under /etc is changed), runs a small ct reproduce as an array job of 4 shards, requeues one array task while it
# trains (scontrol requeue kills it; Slurm starts it again and it resumes from its checkpoint), merges the shards, and
# checks that every cell's test predictions and training log equal those of an unsharded run of the same cells.
#
# usage: tests/slurm/sharded-reproduce.sh [--small]      (--small: 2 shards of 2 cells, the form CI runs)
# Needs Debian's slurm-wlm and munge (installed with apt-get when missing; root). Prints the measured times.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
small=0; [[ ${1:-} == --small ]] && small=1
if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge > /dev/null
fi
ct_dll="$root/src/CrystalTransformer.Cli/bin/Release/net10.0/linux-x64/ct.dll"
[[ -f $ct_dll ]] || dotnet build -c Release "$root/src/CrystalTransformer.Cli" -nologo -v q > /dev/null
t0=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/ct-slurm-XXXXXX")
chmod 755 "$work"
host=$(hostname -s)
cpus=$(nproc)
if (( small )); then shards=2; only="dataset=perov5 seed=0 mode=frozen embedding=onehot,cgcnn92"
else shards=4; only="dataset=perov5 seed=0"; fi
ct=(dotnet "$ct_dll" reproduce --quick --only "$only" --max-epochs 3 --threads 1)
echo "slurm: work folder $work; $shards shards of: ct reproduce --quick --only \"$only\" --max-epochs 3"

# munge with its own key and socket
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/log"
chmod 700 "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed"
port=$((20000 + RANDOM % 20000))
cat > "$work/slurm.conf" <<CONF
ClusterName=ct
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
KillWait=5
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=ct Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
cleanup() {
  [[ -f $work/slurmd.pid ]] && kill "$(cat "$work/slurmd.pid")" 2> /dev/null || true
  [[ -f $work/slurmctld.pid ]] && kill "$(cat "$work/slurmctld.pid")" 2> /dev/null || true
  [[ -f $work/munge/munged.pid ]] && kill "$(cat "$work/munge/munged.pid")" 2> /dev/null || true
}
trap cleanup EXIT
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do sinfo -h -o %T 2> /dev/null | grep -qE '^idle' && break; sleep 1; done
sinfo -h -o "slurm: node %N %T, %c CPUs"
echo "slurm: up after $((SECONDS - t0)) s"

# The array job: shard K of N into its own folder (one CPU each; a requeued task runs the same command and resumes).
printf -v cmd '%q ' "${ct[@]}"
cat > "$work/shard.sh" <<JOB
#!/usr/bin/env bash
exec $cmd --shard \${SLURM_ARRAY_TASK_ID}/$shards --out $work/shard-\${SLURM_ARRAY_TASK_ID}
JOB
chmod +x "$work/shard.sh"
t1=$SECONDS
jid=$(sbatch --parsable --requeue --array=1-$shards -c 1 -o "$work/log/shard-%a.out" -D "$work" "$work/shard.sh")
echo "slurm: array job $jid submitted"
# Requeue task 1 once it has written a checkpoint (it is training a cell).
victim=1
for _ in $(seq 600); do
  if compgen -G "$work/shard-$victim/runs/*/last.ct" > /dev/null; then break; fi
  sleep 0.5
done
compgen -G "$work/shard-$victim/runs/*/last.ct" > /dev/null || { echo "slurm: task $victim never wrote a checkpoint"; exit 1; }
scontrol requeue "${jid}_$victim"
echo "slurm: requeued task ${jid}_$victim while it trained ($(ls "$work/shard-$victim/runs"/*/last.ct | wc -l) checkpoint(s) written)"
for _ in $(seq 3600); do
  [[ -z $(squeue -h -j "$jid" 2> /dev/null) ]] && break
  sleep 1
done
[[ -z $(squeue -h -j "$jid" 2> /dev/null) ]] || { echo "slurm: the array job did not finish"; exit 1; }
sacct_like=$(scontrol show job "$jid" 2> /dev/null | grep -oE 'JobState=[A-Z]+|Restarts=[0-9]+' | paste -sd' ' || true)
echo "slurm: array job done after $((SECONDS - t1)) s ($sacct_like)"
grep -h "cell(s):" "$work"/log/shard-*.out || true
for k in $(seq "$shards"); do
  [[ -f $work/shard-$k/report/index.html ]] || { echo "slurm: shard $k did not finish:"; tail -n 5 "$work/log/shard-$k.out"; exit 1; }
done
grep -q resuming "$work/log/shard-$victim.out" || echo "slurm: note: the requeued task did not report resuming"

dotnet "$ct_dll" reproduce --merge "$work"/shard-* --out "$work/merged" --quiet
t2=$SECONDS
"${ct[@]}" --quiet --out "$work/whole"
echo "slurm: unsharded run of the same cells took $((SECONDS - t2)) s"

# Every cell: the same run folder name (its configuration hash), the same test predictions and log (seconds aside).
cells=0; diffs=0
for run in "$work"/whole/runs/*/; do
  name=$(basename "$run")
  shard_run=$(ls -d "$work"/shard-*/runs/"$name" 2> /dev/null | head -1)
  cells=$((cells + 1))
  if [[ -z $shard_run ]]; then echo "slurm: cell $name missing from the shards"; diffs=$((diffs + 1)); continue; fi
  cmp -s "$run/test_predictions.csv" "$shard_run/test_predictions.csv" || { echo "slurm: $name: test predictions differ"; diffs=$((diffs + 1)); }
  cmp -s <(sed 's/,[^,]*$//' "$run/log.csv") <(sed 's/,[^,]*$//' "$shard_run/log.csv") || { echo "slurm: $name: log differs"; diffs=$((diffs + 1)); }
done
merged=$(ls -d "$work"/merged/report 2> /dev/null | wc -l)
echo "slurm: $cells cells compared, $diffs differences; merged report written: $([[ $merged -eq 1 ]] && echo yes || echo no); $((SECONDS - t0)) s in all"
[[ $diffs -eq 0 && $cells -gt 0 && $merged -eq 1 ]]
