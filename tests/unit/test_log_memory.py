"""Bounded memory for logs (issue 14): memory_watermark_facts on a 200 MB syslog file.

The module runs in a subprocess (its own peak RSS, VmHWM, is what is measured, nothing of pytest's)
with the collection importable the way tests/unit/conftest.py lays it out, and its arguments
given through ansible.module_utils.testing.patch_module_args. The log is a realistic mix: a
million-odd ordinary kernel lines with a few "page allocation failure" reports near its start
(outside the 64 MiB budget: they must not be counted) and near its end (inside it: they must).
Reading the file whole - what the module did before - costs over 1 GB here.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOG_BYTES = 200 * 1024 * 1024
BUDGET = 64 * 1024 * 1024  # hostfs.LOG_BUDGET_BYTES, the module's default log_budget_bytes
RSS_LIMIT_KB = 100 * 1024

ORDINARY = [
    "Nov 20 03:14:07 kv17 kernel: [8123401.123456] EXT4-fs (vda1): re-mounted. Opts: (null). Quota mode: none.",
    "Nov 20 03:14:07 kv17 kernel: [8123401.223456] IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    "Nov 20 03:14:08 kv17 kernel: [8123402.000017] audit: type=1400 audit(1700450048.123:4242): apparmor=\"STATUS\" "
    "operation=\"profile_replace\" name=\"/usr/sbin/ntpd\" pid=1201 comm=\"apparmor_parser\"",
    "Nov 20 03:14:09 kv17 kernel: [8123403.512000] TCP: request_sock_TCP: Possible SYN flooding on port 6379. "
    "Sending cookies.  Check SNMP counters.",
    "Nov 20 03:14:09 kv17 kernel: [8123403.600100] Pid: 4121, comm: redis-server Not tainted 2.6.32-754.35.1.el6.x86_64 #1",
    "Nov 20 03:14:10 kv17 kernel: [8123404.000001] Node 0 Normal: 2401*4kB 8921*8kB 7659*16kB 4136*32kB 2358*64kB "
    "1141*128kB 775*256kB 467*512kB 280*1024kB 1*2048kB 1170*4096kB = 5437112kB",
    "Nov 20 03:14:11 kv17 kernel: [8123405.777777] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
]
EARLY = "Nov 19 01:00:00 kv17 kernel: [7000000.000001] early-proc: page allocation failure. order:5, mode:0x20"
LATE = ["Nov 20 03:20:%02d kv17 kernel: [8123800.%06d] redis-server: page allocation failure. order:3, mode:0x20",
        "Nov 20 03:21:%02d kv17 kernel: [8123860.%06d] java: page allocation failure: order:2, "
        "mode:0x104020(GFP_ATOMIC|__GFP_COMP), nodemask=(null)"]

CHILD = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from ansible.module_utils.testing import patch_module_args
from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
with patch_module_args(json.loads(sys.argv[2])):
    try:
        memory_watermark_facts.main()
    except SystemExit:
        pass
with open('/proc/self/status') as handle:
    hwm = [int(line.split()[1]) for line in handle if line.startswith('VmHWM:')][0]
sys.stderr.write('PEAK %d %d\n' % (hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def _write_log(path):
    """200 MB in about a second: one 1 MiB block of ordinary lines written again and again,
    with the failure reports planted near the start and in the last 10 MiB."""
    line_block = "\n".join(ORDINARY) + "\n"
    block = (line_block * (1024 * 1024 // len(line_block) + 1))[:1024 * 1024]
    block = block[:block.rindex("\n") + 1].encode("ascii")
    late = 0
    with open(path, "wb") as handle:
        written = 0
        index = 0
        while written < LOG_BYTES:
            if index in (1, 2):
                handle.write((EARLY + "\n").encode("ascii"))
            if LOG_BYTES - written < 10 * 1024 * 1024 and index % 3 == 0:
                for template in LATE:
                    handle.write(((template % (late % 60, late)) + "\n").encode("ascii"))
                late += 1
            handle.write(block)
            written += len(block)
            index += 1
    return late


def _collection_parent(tmp_path):
    parent = tmp_path / "collections"
    (parent / "ansible_collections" / "fleetfix").mkdir(parents=True)
    os.symlink(REPO, str(parent / "ansible_collections" / "fleetfix" / "kernel"))
    return str(parent)


def test_a_200_mb_syslog_is_read_in_bounded_memory(tmp_path):
    log = str(tmp_path / "messages")
    started = time.time()
    late = _write_log(log)
    generated = time.time() - started
    assert os.path.getsize(log) >= LOG_BYTES and late >= 2
    args = {"log_sources": ["files"], "log_files": [log]}
    started = time.time()
    child = subprocess.run([sys.executable, "-c", CHILD, _collection_parent(tmp_path), json.dumps(args)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False, timeout=120)
    elapsed = time.time() - started
    stderr = child.stderr.decode("utf-8", "replace")
    assert child.returncode == 0, stderr
    result = json.loads(child.stdout.decode("utf-8"))
    peak = [line.split() for line in stderr.splitlines() if line.startswith("PEAK ")][0]
    hwm_kb, maxrss_kb = int(peak[1]), int(peak[2])
    print("\n200 MB syslog: generated in %.1f s, module ran in %.1f s, peak RSS %.1f MB (VmHWM; ru_maxrss %.1f MB)"
          % (generated, elapsed, hwm_kb / 1024.0, maxrss_kb / 1024.0))
    # VmHWM is the child's own peak since its exec; ru_maxrss is not: Linux keeps it across
    # execve, so it shows the forked pytest process's size (450 MB in a full run) - shown only
    assert hwm_kb < RSS_LIMIT_KB, (hwm_kb, maxrss_kb)

    assert not result.get("failed"), result.get("msg")
    facts = result["ansible_facts"]["fleetfix_memory"]
    # the failures in the last budget bytes are found, each counted; the early ones are not
    found = dict(((group["process"], group["order"]), group["count"]) for group in facts["allocation_failures"])
    assert found == {("redis-server", 3): late, ("java", 2): late}
    redis = [group for group in facts["allocation_failures"] if group["process"] == "redis-server"][0]
    assert redis["first"] == "Nov 20 03:20:00" and redis["source"] == log
    assert facts["log_sources_read"] == [log] and facts["log_sources_unread"] == []
    assert facts["allocation_failures_not_grouped"] == 0
    # which part was read is said, in the facts and in a warning
    window = facts["log_windows"][0]
    assert window["source"] == log and window["truncated"] is True
    assert window["window"] == "last %d bytes" % BUDGET
    assert BUDGET <= window["bytes_read"] <= BUDGET + 1
    # (warnings are strings, or WarningSummary dicts on ansible-core 2.19+)
    assert "only its last %d bytes were read" % BUDGET in json.dumps(result.get("warnings")), result.get("warnings")
