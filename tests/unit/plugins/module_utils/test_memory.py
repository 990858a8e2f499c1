"""Watermarks, buddy orders, failure events and the sizing policy (seed story 2)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import memory
from conftest import FIXTURES

LOGS = os.path.join(FIXTURES, "memory", "logs")


def read(*parts):
    with open(os.path.join(FIXTURES, "memory", *parts)) as handle:
        return handle.read()


@pytest.mark.parametrize("tree,zones,min_free", [
    ("host-6.18", ["DMA", "DMA32", "Normal", "Movable", "Device"], 67584),
    ("debian11-5.10", ["DMA", "DMA32", "Normal", "Movable", "Device"], 45056),
    ("centos6-2.6.32", ["DMA", "DMA32", "Normal"], 15398),
])
def test_collect_reads_every_kernel_generation(fixture_root, tree, zones, min_free):
    facts = memory.collect(fixture_root("memory", tree))
    assert [z["zone"] for z in facts["zones"]] == zones
    assert facts["sysctls"]["min_free_kbytes"] == min_free
    # The kernel spread min_free_kbytes over the lowmem zones' min watermarks.
    assert facts["watermarks_match_min_free_kbytes"] is True


def test_zoneinfo_ignores_pageset_high_values():
    zones = memory.parse_zoneinfo(read("centos6-2.6.32", "proc", "zoneinfo"))
    normal = zones[2]
    assert (normal["min"], normal["low"], normal["high"]) == (3011, 3763, 4516)  # not the pageset's 186
    assert normal["managed"] == normal["present"] == 3231232  # no "managed" line before 3.8
    assert normal["protection"] == [0, 0, 0, 0]
    assert zones[0]["protection"] == [0, 3502, 16124, 16124]


def test_2_6_32_has_no_newer_sysctls(fixture_root):
    sysctls = memory.collect(fixture_root("memory", "centos6-2.6.32"))["sysctls"]
    assert sysctls["watermark_scale_factor"] is None and sysctls["watermark_boost_factor"] is None


def test_fragmented_zone_serves_only_low_orders(fixture_root):
    facts = memory.collect(fixture_root("memory", "centos6-2.6.32"))
    by_zone = dict((z["zone"], z) for z in facts["zones"])
    # Normal: 17211 single pages, 2004 order-1, 12 order-2 blocks and nothing larger.
    assert by_zone["Normal"]["highest_order_above_min"] == 2
    assert facts["lowest_highest_order_above_min"] == 2


@pytest.mark.parametrize("blocks,free,minimum,expected", [
    ([10, 0, 0, 1], 18, 5, 3),       # an order-3 block, and 18 - 7 > 5
    ([10, 0, 0, 1], 18, 11, 2),      # taking 8 pages would dip under min: order 3 refused
    ([4, 0, 0, 0], 4, 10, -1),       # already under min: nothing
    ([100, 0, 0, 0], 100, 10, 0),    # only single pages
])
def test_highest_order_above_min(blocks, free, minimum, expected):
    assert memory.highest_order_above_min(blocks, free, minimum) == expected


@pytest.mark.parametrize("lowmem_kb,release,expected", [
    (16 * 1024 * 1024, "3.10.0-1160.el7.x86_64", 16384),   # 16 GiB: int_sqrt(16 GiB kB * 16)
    (256 * 1024 * 1024, "3.10.0-1160.el7.x86_64", 65536),  # clamped at 64 MiB before 5.7
    (256 * 1024 * 1024, "6.1.0-28-amd64", 65536),          # int_sqrt gives 65536 exactly
    (1024 * 1024 * 1024, "6.1.0-28-amd64", 131072),
    (1024 * 1024 * 1024, "4.18.0-553.el8.x86_64", 65536),
    (4 * 1024 * 1024 * 1024, "6.1.0-28-amd64", 262144),    # clamped at 256 MiB since 5.7
    (1000, "6.1.0", 128),
])
def test_kernel_default_min_free_kbytes(lowmem_kb, release, expected):
    assert memory.kernel_default_min_free_kbytes(lowmem_kb, release) == expected


def test_malformed_zoneinfo_names_the_problem(fixture_root):
    with pytest.raises(memory.MemoryParseError) as err:
        memory.collect(fixture_root("memory", "malformed"))
    assert "zone DMA of node 0 has no high" in str(err.value)


@pytest.mark.parametrize("text,message", [
    ("garbage\n", "line 1: expected \"Node N, zone NAME\""),
    ("", "no zones found"),
])
def test_zoneinfo_garbage(text, message):
    with pytest.raises(memory.MemoryParseError) as err:
        memory.parse_zoneinfo(text)
    assert message in str(err.value)


def test_buddyinfo_and_meminfo_garbage():
    with pytest.raises(memory.MemoryParseError) as err:
        memory.parse_buddyinfo("Node 0, zone DMA x y\n")
    assert "/proc/buddyinfo line 1" in str(err.value)
    with pytest.raises(memory.MemoryParseError) as err:
        memory.parse_meminfo("MemTotal: lots kB\n")
    assert "MemTotal is not a number: 'lots'" in str(err.value)


def test_failures_from_kmsg_records_are_grouped():
    events = memory.failure_events(read("logs", "kmsg-6.1.txt").splitlines(), "kmsg")
    groups = memory.group_failures(events, "/dev/kmsg")
    assert [(g["order"], g["process"], g["count"]) for g in groups] == [(0, "swapper/0", 1), (2, "java", 2)]
    java = groups[1]
    assert java["mode"] == "0x104020" and java["flags"] == "GFP_ATOMIC|__GFP_COMP"
    assert (java["first"], java["last"]) == (9.150001, 9.3005)


def test_failures_from_a_2_6_32_syslog():
    events = memory.failure_events(read("logs", "messages-2.6.32.txt").splitlines(), "syslog")
    groups = memory.group_failures(events, "/var/log/messages")
    assert len(groups) == 1
    assert (groups[0]["process"], groups[0]["order"], groups[0]["mode"], groups[0]["count"]) == ("redis-server", 3, "0x20", 2)
    assert groups[0]["first"] == "Nov 20 03:14:07"


def test_dmesg_format():
    events = memory.failure_events(["[ 9150.001] kworker/0:1: page allocation failure: order:3, mode:0x2080020"], "dmesg")
    assert events[0]["process"] == "kworker/0:1" and events[0]["when"] == 9150.001


# --- policy and plan ---

GIB_KB = 1024 * 1024


@pytest.mark.parametrize("ram_gib,expected", [
    (16, 167772),            # 1 % of 16 GiB
    (256, 2684354),          # 1 % of 256 GiB
    (1024, 4194304),         # 1 % would be 10 GiB: the 4 GiB ceiling (the seed's value)
])
def test_policy_targets(ram_gib, expected):
    default = memory.kernel_default_min_free_kbytes(ram_gib * GIB_KB, "6.1.0")
    assert memory.policy_target_kbytes(ram_gib * GIB_KB, default) == expected


def test_policy_never_goes_below_the_kernel_default():
    assert memory.policy_target_kbytes(1 * GIB_KB, 16384) == 16384


def _facts(mem_gib=256, current=65536, scale=10):
    return {"kernel_release": "6.1.0-28-amd64", "mem_total_kb": mem_gib * GIB_KB,
            "kernel_default_min_free_kbytes": 65536,
            "sysctls": {"min_free_kbytes": current, "watermark_scale_factor": scale}}


def test_plan_raises_a_big_host():
    plan = memory.plan_min_free(_facts())
    assert plan["target_kb"] == 2684354
    assert plan["changes"] == ["vm.min_free_kbytes"]


def test_plan_never_lowers_silently():
    plan = memory.plan_min_free(_facts(current=3 * GIB_KB))
    assert plan["target_kb"] == 3 * GIB_KB
    assert plan["changes"] == []
    assert "kept the current 3145728 kB" in plan["notes"][0]
    assert memory.plan_min_free(_facts(current=3 * GIB_KB), allow_lower=True)["target_kb"] == 2684354


@pytest.mark.parametrize("kwargs,message", [
    ({"explicit_kb": "lots"}, "fleetfix_vm_min_free_kbytes must be an integer, got 'lots'"),
    ({"explicit_kb": -5}, "fleetfix_vm_min_free_kbytes must not be negative, got -5"),
    ({"explicit_kb": 0}, "would remove the free-page reserve"),
    ({"explicit_kb": 64 * GIB_KB}, "vm.min_free_kbytes=67108864 kB is 25.0% of MemTotal 268435456 kB, above the safety cap of 5% (13421772 kB)"),
    ({"percent": "x"}, "fleetfix_vm_min_free_percent must be a number, got 'x'"),
    ({"scale_factor": 5000}, "fleetfix_vm_watermark_scale_factor=5000 is outside 1..3000"),
])
def test_plan_rejects_bad_values(kwargs, message):
    with pytest.raises(memory.WatermarkSettingError) as err:
        memory.plan_min_free(_facts(), **kwargs)
    assert message in str(err.value)


def test_scale_factor_needs_4_6():
    with pytest.raises(memory.WatermarkSettingError) as err:
        memory.plan_min_free(_facts(scale=None), scale_factor=100)
    assert "no vm.watermark_scale_factor (added in 4.6)" in str(err.value)


def test_finding_fails_on_logged_failures(fixture_root):
    facts = memory.collect(fixture_root("memory", "centos6-2.6.32"))
    events = memory.failure_events(read("logs", "messages-2.6.32.txt").splitlines(), "syslog")
    found = memory.finding(facts, memory.group_failures(events, "/var/log/messages"))
    assert found["status"] == "fail"
    assert '2 "page allocation failure" event(s)' in found["summary"]
    assert found["remedy"].startswith("role fleetfix.kernel.vm_watermarks")


def test_finding_warns_below_the_policy_on_big_hosts_only(fixture_root):
    facts = memory.collect(fixture_root("memory", "centos6-2.6.32"))  # 16 GiB with a 15 MB reserve
    found = memory.finding(facts, [])
    assert found["status"] == "ok"  # below the big-memory threshold: the kernel default is fine
    assert found["evidence"]["policy_target_kb"] == int(16331520 / 100)
    facts["mem_total_kb"] = 256 * GIB_KB
    found = memory.finding(facts, [])
    assert found["status"] == "warn"
    assert "below the policy target 2684354 kB for 262144 MiB of RAM" in found["summary"]
