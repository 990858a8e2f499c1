"""Verify seed story 2 on the VM: value, zone watermarks, overrides, kernel log events, reboot."""

import json

DROP_IN = "/etc/sysctl.d/90-fleetfix-vm.conf"


def mem_total_kb(host):
    for line in host.file("/proc/meminfo").content_string.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    raise AssertionError("no MemTotal")


def expected_target(host):
    # converge.yml asks for 4 % of MemTotal; the VM's own default is lower, so 4 % wins.
    return int(mem_total_kb(host) * 4 / 100.0)


def running(host, name):
    return int(host.file("/proc/sys/" + name.replace(".", "/")).content_string.strip())


def zone_min_kb(host):
    total = 0
    zone = managed = None
    mins = {}
    for line in host.file("/proc/zoneinfo").content_string.splitlines():
        words = line.split()
        if line.startswith("Node"):
            zone = words[3]
        elif len(words) == 2 and words[0] == "min":
            mins[zone] = int(words[1])
        elif len(words) == 2 and words[0] == "managed":
            managed = int(words[1])
            if managed == 0 or zone in ("Movable", "HighMem", "Device"):
                mins.pop(zone, None)
    for value in mins.values():
        total += value * 4
    return total, len(mins)


def facts(host, **args):
    result = host.ansible("fleetfix.kernel.memory_watermark_facts", json.dumps(args) if args else "", check=False)
    assert not result.get("failed"), result
    return result["ansible_facts"]["fleetfix_memory"]


def test_running_value_is_the_policy_target(host):
    assert running(host, "vm.min_free_kbytes") == expected_target(host)
    assert running(host, "vm.watermark_scale_factor") == 20


def test_zone_min_watermarks_moved_with_it(host):
    total, zones = zone_min_kb(host)
    assert abs(total - expected_target(host)) <= 4 * zones


def test_drop_in_persists_it(host):
    content = host.file(DROP_IN).content_string
    assert "vm.min_free_kbytes=%d" % expected_target(host) in content.replace(" ", "")


def test_overriding_line_was_commented_out_with_a_backup(host):
    conf = host.file("/etc/sysctl.conf").content_string
    assert "# vm.min_free_kbytes = 8192" in conf
    assert not [line for line in conf.splitlines() if line.strip().startswith("vm.min_free_kbytes")]
    backups = host.run("ls /etc/sysctl.conf.*~")
    assert backups.rc == 0 and backups.stdout.strip()


def test_a_new_overriding_file_is_reported(host):
    host.run_test("printf 'vm.min_free_kbytes = 12345\\n' > /etc/sysctl.d/99-zz-override.conf")
    try:
        boot = facts(host)["boot_values"]["vm.min_free_kbytes"]
        assert boot["value"] == "12345"
        assert boot["file"] == "/etc/sysctl.d/99-zz-override.conf"
        assert [a["file"] for a in boot["assignments"]][-2:] == [DROP_IN, "/etc/sysctl.d/99-zz-override.conf"]
    finally:
        host.run_test("rm -f /etc/sysctl.d/99-zz-override.conf")
    assert facts(host)["boot_values"]["vm.min_free_kbytes"]["file"] == DROP_IN


def test_page_allocation_failure_in_the_real_kernel_log_is_counted(host):
    line = "fleetfix-test: page allocation failure: order:3, mode:0x40a20(GFP_ATOMIC|__GFP_COMP)"
    host.run_test("printf '<4>%s\\n' '" + line + "' > /dev/kmsg")
    host.run_test("printf '<4>%s\\n' '" + line + "' > /dev/kmsg")
    found = [g for g in facts(host)["allocation_failures"] if g["process"] == "fleetfix-test"]
    assert len(found) == 1
    assert found[0]["count"] == 2
    assert found[0]["order"] == 3
    assert found[0]["mode"] == "0x40a20"
    assert found[0]["flags"] == "GFP_ATOMIC|__GFP_COMP"


def test_ext4_threads_are_explained_as_benign(host):
    # Story 3 on the same real kernel: the VM's root is ext4, so its conversion workqueue exists.
    result = host.ansible("fleetfix.kernel.ext4_thread_facts", "sample_seconds=0.5", check=False)
    threads = result["ansible_facts"]["fleetfix_ext4_threads"]
    assert threads["ext4_mounts"] == ["/"]
    assert threads["threads"] >= 1
    assert threads["verdict"] == "benign"
    print(json.dumps(threads, indent=1, sort_keys=True))


def test_value_survives_a_reboot(host):
    target = expected_target(host)
    result = host.ansible("ansible.builtin.reboot", "reboot_timeout=600", check=False)
    assert not result.get("failed"), result
    assert running(host, "vm.min_free_kbytes") == target
    total, zones = zone_min_kb(host)
    assert abs(total - target) <= 4 * zones
