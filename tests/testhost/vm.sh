#!/usr/bin/env bash
# Start, reach and stop fleetfix test VMs (QEMU under TCG, no KVM needed).
#
#   vm.sh start NAME [--suite bookworm|bullseye] [--boot direct|grub] [--mem MB]
#                    [--root-bus virtio|megasas] [--reuse] [--no-wait] [--qemu-arg ARG]...
#                    [--kernel-arg ARG]...  (direct boot: appended to the kernel command line)
#                    [--smp N]  (vCPUs; default 1, or $FLEETFIX_VM_SMP)
#                    [--no-snapshot]  (boot for real even if a booted state is cached)
#   vm.sh wait NAME [SECONDS]     wait until SSH answers (fails with the serial log's tail)
#   vm.sh ssh NAME [COMMAND...]   run a command as root in the guest
#   vm.sh info NAME               print "port=… pid=… serial=… key=…" for scripts
#   vm.sh poweroff NAME           clean shutdown, then make sure qemu is gone
#   vm.sh stop NAME [--keep]      stop qemu by its PID and remove the overlay (--keep: keep it)
#   vm.sh list                    instances with a live qemu
#
# Every instance runs on a qcow2 overlay over the cached base image, so it starts clean.
# A fresh instance is not booted every time: the first start of a configuration boots it for
# real, saves the just-booted guest (RAM and device state, plus the disk layer the boot wrote)
# under $FLEETFIX_CACHE/states/<key>/, and every later start of that same configuration
# resumes a copy of it in seconds, then sets the guest's clock. The key covers everything that
# shapes the guest: qemu's version, its whole command line (less the instance's own name,
# directory and port) and the image (stamp and build id). A configuration qemu cannot
# save (a USB NIC) is found out before any boot and boots every time. Reboots inside a test
# are always real boots. FLEETFIX_VM_SNAPSHOT=0 (or --no-snapshot) boots every instance for real.
# Its only NIC is user-mode networking with restrict=on: the guest cannot send a packet
# off this machine; the one way in is the SSH forward on 127.0.0.1.
# qemu is only ever stopped by the PID it wrote, never by name.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/testhost/common.sh
. "$HERE/common.sh"

RUN="$FLEETFIX_RUN"
usage() { sed -n '2,14p' "$0" >&2; exit 2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

inst_dir() { printf '%s/%s' "$RUN" "$1"; }

qemu_pid() {
  local d; d=$(inst_dir "$1")
  [ -f "$d/qemu.pid" ] || return 1
  local pid; pid=$(cat "$d/qemu.pid")
  # The PID must still be *our* qemu: same process, same pidfile argument.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$d/pidfile"; then
    echo "$pid"
    return 0
  fi
  return 1
}

guest_ssh() {
  local name=$1; shift
  local d; d=$(inst_dir "$name")
  [ -f "$d/port" ] || die "no instance '$name'"
  # shellcheck disable=SC2046
  ssh $(ssh_opts) -p "$(cat "$d/port")" root@127.0.0.1 "$@"
}

cmd_wait() {
  local name=$1 timeout=${2:-${FLEETFIX_BOOT_TIMEOUT:-300}}
  local d; d=$(inst_dir "$name")
  local start; start=$(date +%s)
  while :; do
    if ! qemu_pid "$name" >/dev/null; then
      log "qemu of '$name' exited before SSH answered; serial log tail:"
      tail -n 40 "$d/serial.log" >&2 || true
      return 1
    fi
    if guest_ssh "$name" true 2>/dev/null; then
      log "$name: SSH up after $(( $(date +%s) - start )) s"
      return 0
    fi
    if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then
      log "$name: no SSH after ${timeout} s; serial log tail:"
      tail -n 40 "$d/serial.log" >&2 || true
      return 1
    fi
    sleep 2
  done
}

cmd_start() {
  local name=${1:-}; [ -n "$name" ] || usage; shift
  local suite=bookworm boot=direct mem=1536 wait=1 reuse=0 disk="" kdir="" overlay=1 root_bus=virtio
  local -a extra=() kargs=()
  # One vCPU by default: with two VMs on two host cores (the test lanes), a second vCPU only
  # adds multi-threaded TCG overhead. Measured here with two VMs side by side: boot to SSH
  # 71-73 s with one vCPU against 81-89 s with two, and a Python start-up loop 8.7-9.8 s
  # against 11.9-13.9 s.
  local smp=${FLEETFIX_VM_SMP:-1} snapshot=${FLEETFIX_VM_SNAPSHOT:-1} paused=0
  local -a orig=("$@")
  while [ $# -gt 0 ]; do
    case "$1" in
      --suite) suite=$2; shift 2 ;;
      --boot) boot=$2; shift 2 ;;
      --mem) mem=$2; shift 2 ;;
      --root-bus) root_bus=$2; shift 2 ;;
      --reuse) reuse=1; shift ;;
      --no-wait) wait=0; shift ;;
      --qemu-arg) extra+=("$2"); shift 2 ;;
      --qemu-arg=*) extra+=("${1#--qemu-arg=}"); shift ;;
      --smp) smp=$2; shift 2 ;;
      --kernel-arg) kargs+=("$2"); shift 2 ;;
      --kernel-arg=*) kargs+=("${1#--kernel-arg=}"); shift ;;
      --no-snapshot) snapshot=0; shift ;;
      # Used when making a saved state: start stopped (qemu -S), do not wait for SSH.
      --paused) paused=1; shift ;;
      # Used by build-image.sh for the first boot of a base image under construction.
      --disk) disk=$2; shift 2 ;;
      --kernel-dir) kdir=$2; shift 2 ;;
      --no-overlay) overlay=0; shift ;;
      *) die "start: unknown option '$1'" ;;
    esac
  done
  case "$boot" in direct|grub) ;; *) die "start: --boot is direct or grub, not '$boot'" ;; esac
  case "$root_bus" in virtio|megasas) ;; *) die "start: --root-bus is virtio or megasas, not '$root_bus'" ;; esac
  case "$smp" in [1-8]) ;; *) die "start: --smp is 1 to 8, not '$smp'" ;; esac
  if [ "$boot" = grub ] && [ ${#kargs[@]} -gt 0 ]; then
    die "start: --kernel-arg needs --boot direct (under GRUB the command line is the guest's own)"
  fi
  local d; d=$(inst_dir "$name")
  if qemu_pid "$name" >/dev/null; then die "instance '$name' is already running"; fi
  mkdir -p "$d"
  local img="$FLEETFIX_CACHE/images/$suite"
  [ -n "$kdir" ] || kdir=$img
  # A saved state knows the image's kernel, not another one.
  [ "$kdir" = "$img" ] || snapshot=0
  # A fresh instance gets a new overlay: over the saved state's disk layer when it resumes one.
  local fresh=0 base=""
  if [ -z "$disk" ]; then
    [ -f "$img/disk.qcow2" ] || die "no image for '$suite': run tests/testhost/build-image.sh $suite"
    base="$img/disk.qcow2"
    disk="$d/overlay.qcow2"
    if [ "$reuse" = 0 ] || [ ! -f "$disk" ]; then fresh=1; fi
  elif [ "$overlay" = 1 ]; then
    die "start: --disk goes with --no-overlay"
  fi
  local port
  # A restarted instance keeps its port (--reuse), so open SSH sessions and inventories hold.
  if [ "$reuse" = 1 ] && [ -f "$d/port" ]; then port=$(cat "$d/port"); else port=$(free_port); fi
  echo "$port" >"$d/port"
  : >"$d/serial.log"
  rm -f "$d/pidfile" "$d/qemu.pid"

  local -a boot_args=()
  if [ "$boot" = direct ]; then
    # Direct kernel boot: fast, but a reboot from inside reloads *these* files, not the
    # guest's own initramfs or grub.cfg: roles that change those are tested with --boot grub.
    boot_args=(-kernel "$kdir/vmlinuz" -initrd "$kdir/initrd"
               -append "root=LABEL=rootfs rw console=ttyS0,115200 panic=-1${kargs[*]+ ${kargs[*]}} ${FLEETFIX_KERNEL_ARGS:-}")
  fi
  # Throw-away overlays skip host flushes (cache=unsafe); a base image being built does not.
  local cache=unsafe
  [ "$overlay" = 1 ] || cache=writeback
  # shellcheck disable=SC2054  # commas belong to qemu's option syntax
  local -a root_disk=(-drive "file=$disk,if=none,id=disk0,format=qcow2,cache=$cache"
                      -device virtio-blk-pci,drive=disk0,addr=0x4)
  if [ "$root_bus" = megasas ]; then
    # LSI MegaRAID SAS 1078 (Linux megaraid_sas), as in seed story 4's LSI SAS HBA.
    # shellcheck disable=SC2054
    root_disk=(-device megasas,id=scsi0,addr=0x6 -drive "file=$disk,if=none,id=disk0,format=qcow2,cache=$cache"
               -device scsi-hd,drive=disk0,bus=scsi0.0)
  fi
  # shellcheck disable=SC2054
  local -a qemu=(qemu-system-x86_64 -name "fleetfix-$name" -accel tcg,thread=multi -smp "$smp" -m "$mem"
    -nodefaults -display none -serial "file:$d/serial.log" -pidfile "$d/pidfile" -daemonize
    -qmp "unix:$d/qmp.sock,server=on,wait=off"
    "${root_disk[@]}"
    -netdev "user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22"
    -device "virtio-net-pci,netdev=mgmt,mac=$FLEETFIX_MGMT_MAC,addr=0x2"
    "${boot_args[@]}" ${extra[@]+"${extra[@]}"})

  # A fresh instance resumes the saved state of its configuration when there is one (made now
  # if need be); whatever goes wrong with it, the instance boots for real on the base image.
  local state=""
  if [ "$fresh" = 1 ]; then
    if [ "$snapshot" = 1 ] && [ "$paused" = 0 ]; then
      local key
      key=$(snapshot_key "$name" "$d" "$port" "$img" "${qemu[@]}")
      state=$(ensure_snapshot "$key" ${orig[@]+"${orig[@]}"}) || state=""
    fi
    if [ -n "$state" ] && ! new_overlay "$state/booted.qcow2" "$disk" 2>"$d/qemu-img.err"; then
      log "$name: saved state $state unusable ($(tr '\n' ' ' <"$d/qemu-img.err")); booting for real"
      state=""
    fi
    [ -n "$state" ] || new_overlay "$base" "$disk"
  fi
  local note=""
  if [ -n "$state" ]; then
    touch "$state"  # in use: not pruned
    if resume_instance "$name" "$state" "${qemu[@]}"; then
      note=", resumed from $state"
    else
      log "$name: resuming the saved state failed; booting for real"
      cmd_stop "$name" >/dev/null 2>&1 || true
      state=""
      new_overlay "$base" "$disk"
      : >"$d/serial.log"
    fi
  fi
  if [ -z "$state" ]; then
    if [ "$paused" = 1 ]; then qemu+=(-S); note=", paused"; fi
    "${qemu[@]}" >"$d/qemu.out" 2>&1 || { cat "$d/qemu.out" >&2; die "qemu did not start"; }
    # qemu deletes its pidfile before it has exited: keep our own copy of the PID.
    cp "$d/pidfile" "$d/qemu.pid"
  fi
  log "$name: qemu pid $(cat "$d/qemu.pid"), ssh on 127.0.0.1:$port, boot=$boot, suite=$suite$note"
  # A resumed instance has answered SSH already.
  if [ "$wait" = 1 ] && [ "$paused" = 0 ] && [ -z "$state" ]; then
    cmd_wait "$name" || { cmd_stop "$name" --keep >/dev/null 2>&1; return 1; }
  fi
}

# A new qcow2 overlay DISK over BACKING.
new_overlay() {
  rm -f "$2"
  qemu-img create -q -f qcow2 -F qcow2 -b "$1" "$2"
}

# The key of a saved state: the qemu command line with this instance's own name, directory
# and port taken out, qemu's version, and the image's stamp and build id (a rebuilt image has a
# new one; a copied cache keeps it). STATE_FORMAT changes with what a state holds.
STATE_FORMAT=1
snapshot_key() {
  local name=$1 d=$2 port=$3 img=$4 arg; shift 4
  {
    echo "fleetfix test VM state, format $STATE_FORMAT"
    qemu-system-x86_64 --version | head -1
    for arg in "$@"; do
      arg=${arg//$d/@DIR@}
      arg=${arg//127.0.0.1:$port-/127.0.0.1:@PORT@-}
      printf '%s\n' "${arg//fleetfix-$name/fleetfix-@NAME@}"
    done
    cat "$img/stamp" "$img/build-id" 2>/dev/null || true
  } | sha256sum | cut -c1-16
}

# Print the directory of the saved state for KEY, making it first if needed: boot a template
# instance with the same arguments, let systemd finish, save, keep the disk layer it wrote.
# One maker per key at a time (flock); a failure leaves nothing behind and returns 1.
ensure_snapshot() {
  local key=$1; shift
  local states="$FLEETFIX_CACHE/states" dir
  dir="$states/$key"
  mkdir -p "$states"
  (
    flock 9
    if [ -f "$dir/state.zst" ] && [ -f "$dir/booted.qcow2" ]; then exit 0; fi
    [ ! -f "$dir.unsupported" ] || exit 1
    local tmpl="snapshot-$key" td reason rc
    td=$(inst_dir "$tmpl")
    # Whatever happens, the template's qemu stops and nothing half-made stays.
    trap 'cmd_stop "$tmpl" >/dev/null 2>&1 || true; rm -rf "$td" "$dir.tmp"' EXIT
    trap 'exit 1' INT TERM HUP
    # Can this configuration be saved at all? Asked of a qemu that has not run a single
    # instruction, in a second: QEMU refuses to save some devices (a USB NIC), and such a
    # configuration then boots every time, without a wasted template boot.
    "$HERE/vm.sh" start "$tmpl" "$@" --no-snapshot --paused >&2 || exit 1
    reason=$(python3 "$HERE/qmp.py" "$td/qmp.sock" probe 2>&1) && rc=0 || rc=$?
    cmd_stop "$tmpl" >/dev/null 2>&1 || true
    if [ "$rc" = 3 ]; then
      echo "$reason" >"$dir.unsupported"
      log "this configuration cannot be saved, it boots every time: $reason"
      exit 1
    fi
    [ "$rc" = 0 ] || { log "$reason"; exit 1; }
    log "no saved state for this configuration yet ($key): booting one to save"
    # States unused for two weeks go (each start of a state marks it used).
    find "$states" -mindepth 1 -maxdepth 1 -type d -mtime +14 ! -name "$key" -exec rm -rf {} + 2>/dev/null || true
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    "$HERE/vm.sh" start "$tmpl" "$@" --no-snapshot >&2 || exit 1
    # Save a settled guest: systemd done starting, the disk written, this SSH session gone.
    guest_ssh "$tmpl" 'timeout 60 systemctl is-system-running --wait >/dev/null 2>&1; sync' || true
    sleep 1
    python3 "$HERE/qmp.py" "$td/qmp.sock" save "$dir.tmp/state.zst" >&2 || exit 1
    mv "$td/overlay.qcow2" "$dir.tmp/booted.qcow2" || exit 1
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "saved state $dir ($(du -sh "$dir" | cut -f1))"
  ) 9>"$dir.lock" || return 1
  echo "$dir"
}

# Start qemu (the command line after NAME and STATE) on the saved state, run it, reach it,
# set its clock (the state carries the time it was saved at).
resume_instance() {
  local name=$1 state=$2; shift 2
  local d; d=$(inst_dir "$name")
  "$@" -incoming "exec:zstd -dc $state/state.zst" >"$d/qemu.out" 2>&1 || { cat "$d/qemu.out" >&2; return 1; }
  cp "$d/pidfile" "$d/qemu.pid"
  python3 "$HERE/qmp.py" "$d/qmp.sock" resume >&2 || return 1
  cmd_wait "$name" 60 || return 1
  guest_ssh "$name" "date -s @$(date +%s.%N) >/dev/null" || return 1
}

cmd_stop() {
  local name=${1:-}; [ -n "$name" ] || usage
  local keep=${2:-}
  local d; d=$(inst_dir "$name")
  local pid
  if pid=$(qemu_pid "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
    log "$name: qemu $pid stopped"
  fi
  if [ "$keep" != --keep ]; then
    rm -f "$d/overlay.qcow2"
  fi
  rm -f "$d/qemu.pid" "$d/pidfile" "$d/qmp.sock"
}

cmd_poweroff() {
  local name=$1 pid
  pid=$(qemu_pid "$name") || return 0
  guest_ssh "$name" 'systemctl poweroff' >/dev/null 2>&1 || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  cmd_stop "$name" --keep
}

cmd_info() {
  local d; d=$(inst_dir "$1")
  [ -f "$d/port" ] || die "no instance '$1'"
  printf 'port=%s pid=%s serial=%s key=%s\n' "$(cat "$d/port")" "$(qemu_pid "$1" || echo none)" \
    "$d/serial.log" "$FLEETFIX_SSH_KEY"
}

cmd_list() {
  [ -d "$RUN" ] || return 0
  local n
  for n in "$RUN"/*/; do
    n=$(basename "$n")
    if qemu_pid "$n" >/dev/null; then cmd_info "$n"; fi
  done
}

[ $# -ge 1 ] || usage
cmd=$1; shift
case "$cmd" in
  start) cmd_start "$@" ;;
  wait) cmd_wait "$@" ;;
  ssh) guest_ssh "$@" ;;
  info) cmd_info "$@" ;;
  poweroff) cmd_poweroff "$@" ;;
  stop) cmd_stop "$@" ;;
  list) cmd_list ;;
  *) usage ;;
esac
