"""A fleet you can run on one machine: N sshd on 127.0.0.1, each its own inventory host.

For each N: start N sshd (own ports, own PID files, loopback only), then time over the same
hosts `ansible -m ping`, `ansible -m setup` and `ansible-playbook playbooks/audit.yml --check`
(one kernel_audit round trip per host, then the reports on the controller). Every command
starts with cold SSH connections (its own ControlPath directory). Every sshd is stopped by its
PID at the end, whatever happens. Prints wall times and the ratios audit/ping, audit/setup;
also ping as a one-task playbook, the floor of any playbook, and the audit against that.

    benchmarks/fleet/run.sh [--sizes 10,50,100] [--forks 10] [--reps 1] [--json FILE]

Needs root (sshd as root logs in root with our key) and /usr/sbin/sshd (openssh-server).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORK = os.path.join(REPO, "build", "bench", "fleet")
SSHD = "/usr/sbin/sshd"


def free_ports(count):
    socks, ports = [], []
    for _number in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in socks:
        sock.close()
    return ports


def keys():
    os.makedirs(WORK, exist_ok=True)
    host_key = os.path.join(WORK, "ssh_host_ed25519_key")
    client_key = os.path.join(WORK, "id_ed25519")
    for path, comment in ((host_key, "fleet-bench-host"), (client_key, "fleet-bench-client")):
        if not os.path.exists(path):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], check=True)
    shutil.copyfile(client_key + ".pub", os.path.join(WORK, "authorized_keys"))
    os.chmod(os.path.join(WORK, "authorized_keys"), 0o600)
    return host_key, client_key


class Fleet(object):
    """N sshd processes on loopback; stopped by PID on exit."""

    def __init__(self, size, host_key):
        self.size, self.host_key, self.pids = size, host_key, []
        self.dir = tempfile.mkdtemp(prefix="fleet-%d-" % size, dir=WORK)
        self.ports = free_ports(size)

    def start(self):
        if not os.path.isdir("/run/sshd"):  # sshd's privilege-separation directory
            os.makedirs("/run/sshd", 0o755)
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as handle:
            handle.write("\n".join([
                "ListenAddress 127.0.0.1", "HostKey %s" % self.host_key,
                "AuthorizedKeysFile %s" % os.path.join(WORK, "authorized_keys"),
                "PermitRootLogin prohibit-password", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "LogLevel ERROR",
                "MaxStartups 200:30:400", "MaxSessions 50", "Subsystem sftp internal-sftp", ""]))
        for number, port in enumerate(self.ports):
            pidfile = os.path.join(self.dir, "sshd-%d.pid" % number)
            subprocess.run([SSHD, "-f", config, "-p", str(port), "-o", "PidFile=" + pidfile], check=True)
            # sshd writes its PID file after it has forked; wait until the number is in it.
            pid = ""
            for _attempt in range(250):
                if os.path.exists(pidfile):
                    with open(pidfile) as handle:
                        pid = handle.read().strip()
                    if pid:
                        break
                time.sleep(0.02)
            if not pid:
                raise SystemExit("sshd on port %d wrote no PID to %s" % (port, pidfile))
            self.pids.append(int(pid))
        for port in self.ports:  # every one of them accepts connections
            for _attempt in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    time.sleep(0.05)

    def stop(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        deadline = time.time() + 10
        for pid in self.pids:
            while time.time() < deadline:
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.05)
        self.pids = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def inventory(self, client_key):
        path = os.path.join(self.dir, "inventory.ini")
        with open(path, "w") as handle:
            handle.write("[fleet]\n")
            for number, port in enumerate(self.ports):
                handle.write("fleet%03d ansible_host=127.0.0.1 ansible_port=%d ansible_user=root "
                             "ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3\n"
                             % (number, port, client_key))
        return path


def timed(name, command, env):
    control = tempfile.mkdtemp(prefix="cp-", dir="/tmp")  # short: a ControlPath must fit in 108 bytes
    env = dict(env, ANSIBLE_SSH_CONTROL_PATH_DIR=control)
    started = time.time()
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.time() - started
    subprocess.run("for s in %s/*; do [ -S \"$s\" ] && ssh -o ControlPath=\"$s\" -O exit x >/dev/null 2>&1; done; true" % control,
                   shell=True, check=False)
    shutil.rmtree(control, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit("%s failed (rc %d):\n%s" % (name, proc.returncode, proc.stdout[-3000:]))
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", default="10,50,100")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("run as root: each sshd logs root in with the benchmark's key")
    if not os.path.exists(SSHD):
        raise SystemExit("%s is missing: apt-get install openssh-server (its service need not run)" % SSHD)
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="false", ANSIBLE_FORKS=str(args.forks),
               ANSIBLE_PIPELINING="true", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
               ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null "
                                "-o StrictHostKeyChecking=no -o LogLevel=ERROR")
    host_key, client_key = keys()
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        fleet = Fleet(size, host_key)
        try:
            fleet.start()
            inventory = fleet.inventory(client_key)
            report_dir = os.path.join(fleet.dir, "reports")
            # The floor of any playbook: ping as a one-task playbook (ansible-playbook's own
            # start-up, play and stats against the ad-hoc command's), to read the audit against.
            ping_playbook = os.path.join(fleet.dir, "ping.yml")
            with open(ping_playbook, "w") as handle:
                handle.write("- name: Ping as a playbook\n  hosts: all\n  gather_facts: false\n  tasks:\n"
                             "    - name: Ping\n      ansible.builtin.ping:\n")
            commands = {
                "ping": [os.path.join(bindir, "ansible"), "all", "-i", inventory, "-m", "ansible.builtin.ping"],
                "setup": [os.path.join(bindir, "ansible"), "all", "-i", inventory, "-m", "ansible.builtin.setup"],
                "ping_playbook": [os.path.join(bindir, "ansible-playbook"), "-i", inventory, ping_playbook],
                "audit": [os.path.join(bindir, "ansible-playbook"), "-i", inventory, os.path.join(REPO, "playbooks", "audit.yml"),
                          "--check", "-e", "fleetfix_report_dir=" + report_dir],
            }
            times = dict((name, []) for name in commands)
            for _rep in range(args.reps):
                for name in ("ping", "ping_playbook", "setup", "audit"):
                    times[name].append(timed(name, commands[name], env))
            with open(os.path.join(report_dir, "fleet-report.json")) as handle:
                states = json.load(handle)["host_states"]
            best = dict((name, min(values)) for name, values in times.items())
            row = {"hosts": size, "forks": args.forks, "ping_s": round(best["ping"], 2), "setup_s": round(best["setup"], 2),
                   "audit_s": round(best["audit"], 2), "audit_per_ping": round(best["audit"] / best["ping"], 2),
                   "audit_per_setup": round(best["audit"] / best["setup"], 2), "audited": states["audited"],
                   "ping_playbook_s": round(best["ping_playbook"], 2),
                   "audit_per_ping_playbook": round(best["audit"] / best["ping_playbook"], 2)}
            results.append(row)
            print("N=%(hosts)4d forks=%(forks)d  ping %(ping_s)7.2f s  setup %(setup_s)7.2f s  audit %(audit_s)7.2f s  "
                  "audit/ping %(audit_per_ping).2f  audit/setup %(audit_per_setup).2f  (audited %(audited)d)  "
                  "| ping as a playbook %(ping_playbook_s).2f s, audit/that %(audit_per_ping_playbook).2f" % row)
            sys.stdout.flush()
        finally:
            fleet.stop()
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"machine": machine(), "results": results}, handle, indent=2)
    print(json.dumps(machine()))


def machine():
    model = ""
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": model, "load_before": os.getloadavg()[0]}


if __name__ == "__main__":
    main()
