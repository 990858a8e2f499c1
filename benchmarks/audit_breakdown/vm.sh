#!/usr/bin/env bash
# kernel_audit on the bookworm test VM with three installed kernels (issue 19): the per-collector
# breakdown of timings_ms, and the initramfs scan with and without the early stop.
#
#   benchmarks/audit_breakdown/vm.sh [RUNS]      (default 7; needs `make images` and `make collection`)
#
# The VM is a throw-away instance of the cached bookworm image (tests/testhost/vm.sh: QEMU under
# TCG, user-mode network with restrict=on, SSH on 127.0.0.1 only). In it, two more kernels are
# installed beside the running one as copies under newer versions (modules, vmlinuz, depmod, and
# an initramfs built by the image's own dracut for each, and update-grub for their boot entries),
# so the audit's boot_readiness checks three images, all READY. Then: RUNS runs of the module (`ansible -m fleetfix.kernel.kernel_audit`
# over SSH, cold connection each time) with the median of each part of timings_ms, and RUNS
# runs, in the guest, of the initramfs facts of the three kernels with stop_early=False (a full
# scan) and True (the audit's way), from the installed collection copied into the guest.
# The instance is stopped at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-7}
NAME=bench-audit-$$
VM=tests/testhost/vm.sh
COLL=.collections/ansible_collections
[ -d "$COLL/fleetfix/kernel" ] || { echo "run make collection first" >&2; exit 2; }
trap '$VM stop "$NAME" >/dev/null 2>&1 || true' EXIT
$VM start "$NAME" --suite bookworm --mem 1024 >/dev/null
$VM wait "$NAME"
echo "== three kernels in the guest"
$VM ssh "$NAME" bash -s <<'GUEST'
set -euo pipefail
running=$(uname -r)
base=${running%-amd64}; abi=${base##*-}; prefix=${base%-*}
for extra in 1 2; do
  kver="$prefix-$((abi + extra))-amd64"
  cp -a "/lib/modules/$running" "/lib/modules/$kver"
  cp "/boot/vmlinuz-$running" "/boot/vmlinuz-$kver"
  depmod "$kver"
  dracut -q -f --kver "$kver" "/boot/initrd.img-$kver" 2>/dev/null || dracut -q -f "/boot/initrd.img-$kver" "$kver"
done
# the boot entries of the new kernels (the newest becomes the default, as after an upgrade)
update-grub >/dev/null 2>&1 || grub-mkconfig -o /boot/grub/grub.cfg >/dev/null 2>&1
ls -la /boot/initrd.img-* /boot/initramfs-* 2>/dev/null || true
GUEST
info=$($VM info "$NAME")
port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$info")
key=$(sed -n 's/.*key=\([^ ]*\).*/\1/p' <<<"$info")
inventory=$(mktemp)
echo "vm ansible_host=127.0.0.1 ansible_port=$port ansible_user=root ansible_ssh_private_key_file=$key ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ControlMaster=no'" > "$inventory"
export ANSIBLE_CONFIG=$PWD/ansible.cfg ANSIBLE_COLLECTIONS_PATH=$PWD/.collections ANSIBLE_HOME=$PWD/.ansible-home
echo "== kernel_audit over SSH, $RUNS runs"
for _ in $(seq "$RUNS"); do
  .venv/bin/ansible -i "$inventory" vm -m fleetfix.kernel.kernel_audit -o 2>/dev/null | sed 's/^vm | SUCCESS => //'
done > /tmp/"$NAME".json
.venv/bin/python - /tmp/"$NAME".json <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
t = [r["timings_ms"] for r in runs]
med = lambda xs: statistics.median([x for x in xs if x is not None]) if any(x is not None for x in xs) else None
boot = [f for f in runs[-1]["findings"] if f["story"] == "boot_readiness"][0]
print("boot_readiness: %s (%s)" % (boot["status"], boot["summary"][:160]))
print("scans: %s" % [(k["version"], k.get("scan"), k.get("complete_by")) for k in runs[-1]["facts"]["boot_readiness"]["initramfs"]["kernels"]])
print("| part | median ms |\n|---|---|")
for part in ("startup", "imports", "arguments"):
    print("| %s | %s |" % (part, med([x[part] for x in t])))
for story in t[0]["collectors"]:
    print("| collector %s | %s |" % (story, med([x["collectors"][story] for x in t])))
print("| total | %s |" % med([x["total"] for x in t]))
PY
echo "== the three images, full scan vs early stop, in the guest"
tar -C .collections -cf - ansible_collections/fleetfix/kernel/plugins | $VM ssh "$NAME" 'rm -rf /tmp/fx && mkdir -p /tmp/fx && tar -C /tmp/fx -xf -'
$VM ssh "$NAME" "cd /tmp/fx && python3 - $RUNS" <<'PY'
import statistics, sys, time
sys.path.insert(0, "/tmp/fx")
from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain
runs = int(sys.argv[1])
def once(stop):
    started = time.time()
    facts = bootchain.collect_initramfs_facts("/", on_error="report", stop_early=stop)
    return time.time() - started, facts
for label, stop in (("full scan", False), ("early stop", True)):
    times = []
    for _ in range(runs):
        seconds, facts = once(stop)
        times.append(seconds)
    kernels = [(k["version"], k.get("scan"), not k.get("missing_drivers"), k.get("error")) for k in facts["kernels"]]
    print("%-10s median %.3f s (min %.3f) over %d runs; %s" % (label, statistics.median(times), min(times), runs, kernels))
PY
