"""A synthetic fleet of kernel_audit results, for the HTML report's browser test and its benchmark
(benchmarks/report_html/). Statuses are spread deterministically; some hosts are unreachable or
failed; every fail/warn finding names one of a few causes and, for some, the role that fixes it;
summaries and evidence differ per host (as real ones do) and hold markup that must stay text."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

STORIES = ["boot_readiness", "docker_kernel", "ext4_threads", "net_iface_names", "page_allocation",
           "pipe_capacity", "slab_allocator", "socket_timeval"]
CYCLE = ["ok", "ok", "ok", "warn", "fail", "not_applicable", "ok", "error", "ok", "warn", "ok"]
CAUSES = {
    "boot_readiness": ["NOT READY: initramfs lacks megaraid_sas", "NOT READY: root= is a device path",
                       "NOT READY: initramfs lacks mpt3sas; root= is a device path"],
    "page_allocation": ["vm.min_free_kbytes below policy", "page allocation failures logged"],
    "pipe_capacity": ["fs.pipe-max-size below the write size"],
    "net_iface_names": ["kernel-assigned USB NIC name can move, MAC not permanent"],
}
FIXES = {
    "boot_readiness": [{"role": "initramfs_drivers", "variables": {"fleetfix_initramfs_drivers": ["megaraid_sas"]}, "per_host": []}],
    "page_allocation": [{"role": "vm_watermarks", "variables": {}, "per_host": []}],
    "pipe_capacity": [{"role": "pipe_size", "variables": {"fleetfix_pipe_max_size": 1048576}, "per_host": []}],
    "net_iface_names": [{"role": "persistent_net", "variables": {}, "per_host": ["fleetfix_net_interfaces"]}],
}


def status_of(number, index, shift=0):
    return CYCLE[(number * 7 + index * 3 + shift) % len(CYCLE)]


def hostvars(hosts, shift=0):
    """{host: {"fleetfix_audit": result}} for ``hosts`` hosts; ``shift`` moves the statuses (a later audit)."""
    out = {}
    for number in range(hosts):
        name = "host%04d.example.net" % number
        if number % 97 == 13:
            out[name] = {"fleetfix_audit": {"unreachable": True, "msg": "ssh: connect to host: timed out"}}
            continue
        if number % 331 == 7:
            out[name] = {"fleetfix_audit": {"failed": True, "msg": "kernel_audit: /usr/bin/python: not found"}}
            continue
        findings = []
        for index, story in enumerate(STORIES):
            status = status_of(number, index, shift)
            bad = status in ("fail", "warn", "error")
            causes = CAUSES.get(story, ["%s %s" % (story, status)])
            findings.append({"story": story, "status": status, "summary": "%s is %s on %s </script>" % (story, status, name),
                             "cause": causes[number % len(causes)] if bad and status != "error" else
                             ("collector failed: OSError" if status == "error" else status.replace("_", " ")),
                             "evidence": {"n": number, "html": "<b>not bold</b>"},
                             "remedy": "role fleetfix.kernel.%s" % story if status in ("fail", "warn") else None,
                             "fixes": FIXES.get(story, []) if status in ("fail", "warn") else []})
        out[name] = {"fleetfix_audit": {"findings": findings, "timings_ms": {}}}
    return out
