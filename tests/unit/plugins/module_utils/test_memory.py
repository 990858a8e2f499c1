"""Watermarks, buddy orders, failure events and the sizing policy (seed story 2)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import memory
from conftest import FIXTURES
from hostile import audit_inputs

LOGS = os.path.join(FIXTURES, "memory", "logs")


def read(*parts):
    with open(os.path.join(FIXTURES, "memory", *parts)) as handle:
        return handle.read()


@pytest.mark.parametrize("tree,zones,min_free,rule", [
    ("host-6.18", ["DMA", "DMA32", "Normal", "Movable", "Device"], 67584, "any-block-above-min"),
    ("debian11-5.10", ["DMA", "DMA32", "Normal", "Movable", "Device"], 45056, "any-block-above-min"),
    ("ubuntu16-4.4-numa", ["DMA", "DMA32", "Normal", "Normal"], 90112, "any-block-above-min"),
    ("centos6-2.6.32", ["DMA", "DMA32", "Normal"], 15398, "rhel6-no-high-order-below-min"),
    ("debian6-2.6.32-numa", ["DMA", "DMA32", "Normal", "Normal"], 32623, "subtract-lower-orders"),
])
def test_collect_reads_every_kernel_generation(fixture_root, tree, zones, min_free, rule):
    facts = memory.collect(fixture_root("memory", tree))
    assert [z["zone"] for z in facts["zones"]] == zones
    assert facts["sysctls"]["min_free_kbytes"] == min_free
    # The kernel spread min_free_kbytes over the lowmem zones' min watermarks.
    assert facts["watermarks_match_min_free_kbytes"] is True
    # Which watermark check the running kernel applies, by its release.
    assert facts["watermark_rule"] == rule
    assert facts["watermark_rule_description"] == memory.WATERMARK_RULES[rule]


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


def _zone(facts, node, name):
    return [z for z in facts["zones"] if (z["node"], z["zone"]) == (node, name)][0]


def _order_under(rule, zone):
    return memory.highest_order_above_min(zone["free_blocks"], zone["free_pages"], zone["min"], rule)


def test_2_6_32_numa_host_serves_order_1_where_the_4_4_rule_says_3(fixture_root):
    # Debian 6 (upstream 2.6.32), node 1 Normal: 12320 free pages = 9000 x 1 + 1200 x 2 + 150 x 4
    # + 40 x 8, min 4113. What 2.6.32's zone_watermark_ok does:
    #   order 1: 12320 - 1 = 12319 > 4113; - 9000 (order 0) = 3319 > 4113 >> 1 = 2056: served
    #   order 2: 12320 - 3 = 12317 > 4113; - 9000 = 3317 > 2056; - 2400 (order 1) = 917,
    #            not > 4113 >> 2 = 1028: refused
    # The 4.4 rule on the same numbers: order 3: 12320 - 7 = 12313 > 4113 and 40 order-3 blocks:
    # served; no block of order 4 - so it says 3, which is what this collection said before.
    facts = memory.collect(fixture_root("memory", "debian6-2.6.32-numa"))
    normal = _zone(facts, 1, "Normal")
    assert normal["highest_order_above_min"] == 1
    assert _order_under(memory.RULE_ANY_BLOCK_ABOVE_MIN, normal) == 3
    assert facts["lowest_highest_order_above_min"] == 1
    # Node 0's Normal is healthier: both rules agree on order 6 (its largest block).
    assert _zone(facts, 0, "Normal")["highest_order_above_min"] == 6
    assert _order_under(memory.RULE_ANY_BLOCK_ABOVE_MIN, _zone(facts, 0, "Normal")) == 6


def test_4_4_numa_host_serves_order_3_where_the_old_rule_says_1(fixture_root):
    # Ubuntu 16.04 (4.4), node 1 Normal: 13560 free pages = 6000 x 1 + 2500 x 2 + 400 x 4 + 120 x 8,
    # min 11377 (min_free_kbytes 90112 spread by managed pages). What 4.4's __zone_watermark_ok does:
    #   order 3: 13560 - 7 = 13553 > 11377 and 120 order-3 blocks: served; order 4: no block
    # The rule before 4.4 on the same numbers:
    #   order 1: 13559 > 11377; - 6000 = 7559 > 11377 >> 1 = 5688: served
    #   order 2: 13557 > 11377; - 6000 = 7557 > 5688; - 5000 = 2557, not > 11377 >> 2 = 2844: refused
    facts = memory.collect(fixture_root("memory", "ubuntu16-4.4-numa"))
    normal = _zone(facts, 1, "Normal")
    assert normal["highest_order_above_min"] == 3
    assert _order_under(memory.RULE_SUBTRACT_LOWER_ORDERS, normal) == 1
    assert facts["lowest_highest_order_above_min"] == 3
    assert normal["free_cma"] == 0  # "nr_free_cma 0": nothing to take away


def test_centos6_zone_under_red_hats_rule(fixture_root):
    # CentOS 6.10 (2.6.32-754.35.1.el6), Normal: 21530 free pages, min 3011, buddyinfo 17211 x 1,
    # 2004 x 2, 12 x 4 (21267 pages: this typed-in fixture leaves 263 pages in no block).
    # Red Hat's check (no high orders below min, 2^order + 1 taken):
    #   order 2: 21530 - 5 = 21525 > 3011; - 17211 = 4314 > 0; - 4008 = 306 > 0; 12 order-2
    #            blocks: served
    #   order 3: 21530 - 9 = 21521 > 3011; ... 254 > 0 passes, but no block of order 3 or more
    # Upstream 2.6.32 on the same numbers:
    #   order 2: 21527 - 17211 = 4316 > 3011 >> 1 = 1505; - 4008 = 308, not > 3011 >> 2 = 752: order 1
    facts = memory.collect(fixture_root("memory", "centos6-2.6.32"))
    normal = _zone(facts, 0, "Normal")
    assert facts["watermark_rule"] == memory.RULE_RHEL6_NO_HIGH_ORDER_BELOW_MIN
    assert normal["highest_order_above_min"] == 2
    assert facts["lowest_highest_order_above_min"] == 2
    assert _order_under(memory.RULE_SUBTRACT_LOWER_ORDERS, normal) == 1


@pytest.mark.parametrize("rule,blocks,free,minimum,reserve,cma,expected", [
    # One set of numbers, three answers: 30 x 1 + 7 x 2 + 0 x 4 + 1 x 8 = 52 free pages, min 40.
    #   before 4.4: order 1: 51 > 40; 51 - 30 = 21 > 20: served. order 2: 49 - 30 = 19, not > 20
    #   RHEL 6: order 2: 52 - 5 = 47 > 40; - 30 = 17 > 0; - 14 = 3 > 0: served (block of order 3).
    #           order 3: 52 - 9 = 43; - 30 = 13; - 14 = -1: refused
    #   4.4+: order 3: 52 - 7 = 45 > 40, an order-3 block: served
    ("subtract-lower-orders", [30, 7, 0, 1], 52, 40, 0, 0, 1),
    ("rhel6-no-high-order-below-min", [30, 7, 0, 1], 52, 40, 0, 0, 2),
    ("any-block-above-min", [30, 7, 0, 1], 52, 40, 0, 0, 3),
    # 4.4+: "<=" - free - (2^order - 1) equal to min is refused: 8 - 7 = 1, min 1 -> order 2
    ("any-block-above-min", [0, 0, 0, 1], 8, 1, 0, 0, 2),
    ("any-block-above-min", [0, 0, 0, 1], 8, 0, 0, 0, 3),
    # Before 4.4 the same lone order-3 block: 8 - 7 = 1 > 0, then 1 - 0 > 0 three times: order 3
    ("subtract-lower-orders", [0, 0, 0, 1], 8, 0, 0, 0, 3),
    # RHEL 6 takes 2^order + 1: 8 - 9 < 0, so a lone order-3 block is never served
    ("rhel6-no-high-order-below-min", [0, 0, 0, 1], 8, 0, 0, 0, 2),
    # The lowmem reserve adds to min: 100 free, min 10 + reserve 90 -> not even order 0
    ("any-block-above-min", [100], 100, 10, 90, 0, -1),
    ("any-block-above-min", [100], 100, 10, 89, 0, 0),
    ("subtract-lower-orders", [100], 100, 10, 90, 0, -1),
    ("rhel6-no-high-order-below-min", [100], 100, 10, 87, 0, 0),  # 100 - 2 > 97
    ("rhel6-no-high-order-below-min", [100], 100, 10, 88, 0, -1),
    # Free CMA pages do not count for a plain (unmovable) allocation: 32 - 7 - 8 = 17 <= 20
    ("any-block-above-min", [0, 0, 0, 4], 32, 20, 0, 8, 2),
    ("any-block-above-min", [0, 0, 0, 4], 32, 20, 0, 0, 3),
    # Before 4.4 CMA counts only in the order-0 test (3.7-4.3): order 2: 29 - 8 = 21 > 20, then
    # the loop sees all 29 pages
    ("subtract-lower-orders", [0, 0, 0, 4], 32, 20, 0, 8, 2),
    # Free pages already at or under min: nothing, whatever the blocks
    ("subtract-lower-orders", [4, 0, 0, 0], 4, 10, 0, 0, -1),
    ("rhel6-no-high-order-below-min", [4, 0, 0, 0], 4, 10, 0, 0, -1),
    ("any-block-above-min", [4, 0, 0, 0], 4, 10, 0, 0, -1),
    # Only single pages: order 0 under every rule
    ("subtract-lower-orders", [100, 0, 0, 0], 100, 10, 0, 0, 0),
    ("rhel6-no-high-order-below-min", [100, 0, 0, 0], 100, 10, 0, 0, 0),
    ("any-block-above-min", [100, 0, 0, 0], 100, 10, 0, 0, 0),
    # The examples this function had before the rules were told apart (4.4+)
    ("any-block-above-min", [10, 0, 0, 1], 18, 5, 0, 0, 3),    # an order-3 block, and 18 - 7 > 5
    ("any-block-above-min", [10, 0, 0, 1], 18, 11, 0, 0, 2),   # taking 8 pages would dip under min
    # ...and before 4.4: order 3: 18 - 7 = 11 > 5; - 10 = 1, not > 5 >> 1 = 2
    ("subtract-lower-orders", [10, 0, 0, 1], 18, 5, 0, 0, 2),
])
def test_highest_order_above_min(rule, blocks, free, minimum, reserve, cma, expected):
    assert memory.highest_order_above_min(blocks, free, minimum, rule, reserve_pages=reserve, free_cma=cma) == expected


def test_the_older_rules_never_serve_more_than_the_4_4_rule():
    # Every rule tests what 4.4 tests (or more) and also wants a block, so on consistent numbers
    # (free pages = the blocks' pages) neither older rule may ever answer a higher order.
    import itertools
    for blocks in itertools.product(range(4), repeat=4):
        blocks = list(blocks)
        free = sum(count << order for order, count in enumerate(blocks))
        for minimum in (0, 1, 5, 20):
            newest = memory.highest_order_above_min(blocks, free, minimum, memory.RULE_ANY_BLOCK_ABOVE_MIN)
            for rule in (memory.RULE_SUBTRACT_LOWER_ORDERS, memory.RULE_RHEL6_NO_HIGH_ORDER_BELOW_MIN):
                assert memory.highest_order_above_min(blocks, free, minimum, rule) <= newest, (rule, blocks, minimum)


def test_an_unknown_rule_is_an_error():
    with pytest.raises(ValueError):
        memory.watermark_ok("newest", [1], 10, 1, 0)


@pytest.mark.parametrize("release,rule", [
    ("2.6.32-5-amd64", "subtract-lower-orders"),                      # Debian 6: upstream 2.6.32
    ("2.6.32.69", "subtract-lower-orders"),                           # hand-built longterm
    ("2.6.32-754.35.1.el6.x86_64", "rhel6-no-high-order-below-min"),  # CentOS 6.10
    ("2.6.32-642.6.2.el6.x86_64", "rhel6-no-high-order-below-min"),   # RHEL 6.8: the source read
    ("2.6.32-642.el6.x86_64", "rhel6-no-high-order-below-min"),
    ("2.6.32-573.26.1.el6.x86_64", "subtract-lower-orders"),          # before 642: not verified
    ("2.6.32-754.el6.x86_64.debug", "rhel6-no-high-order-below-min"),
    ("2.6.32-400.37.15.el6uek.x86_64", "subtract-lower-orders"),      # Oracle UEK is not Red Hat's
    ("3.10.0-1160.el7.x86_64", "subtract-lower-orders"),              # CentOS 7: no backport
    ("4.3.6", "subtract-lower-orders"),
    ("4.4.0-210-generic", "any-block-above-min"),
    ("4.4.1", "any-block-above-min"),                                 # seed story 4's kernel
    ("4.18.0-553.el8_10.x86_64", "any-block-above-min"),
    ("6.18.44-fc-v657", "any-block-above-min"),
    ("", "any-block-above-min"),                                      # unknown: today's rule
    (None, "any-block-above-min"),
])
def test_watermark_rule_by_release(release, rule):
    assert memory.watermark_rule(release) == rule


@pytest.mark.parametrize("lowmem_kb,release,expected", [
    (16 * 1024 * 1024, "3.10.0-1160.el7.x86_64", 16384),   # 16 GiB: int_sqrt(16 GiB kB * 16)
    (256 * 1024 * 1024, "3.10.0-1160.el7.x86_64", 65536),  # clamped at 64 MiB before 5.7
    (256 * 1024 * 1024, "6.1.0-28-amd64", 65536),          # int_sqrt gives 65536 exactly
    (1024 * 1024 * 1024, "6.1.0-28-amd64", 131072),
    (1024 * 1024 * 1024, "4.18.0-553.el8.x86_64", 65536),
    (4 * 1024 * 1024 * 1024, "6.1.0-28-amd64", 262144),    # clamped at 256 MiB since 5.7
    (1000, "6.1.0", 128),
    (4 * 1024 * 1024 * 1024, "5.7.0", 262144),              # 5.7 itself has the new bound
    (4 * 1024 * 1024 * 1024, "5.6.19", 65536),
    (4 * 1024 * 1024 * 1024, None, 65536),                  # unknown release: the older bound
    (4 * 1024 * 1024 * 1024, "", 65536),
])
def test_kernel_default_min_free_kbytes(lowmem_kb, release, expected):
    assert memory.kernel_default_min_free_kbytes(lowmem_kb, release) == expected


def test_releases_are_compared_by_kernel_release_only():
    # One of the five version functions the collection had; kernel_release replaces it.
    assert not hasattr(memory, "kernel_version_tuple")


def test_zoneinfo_free_cma():
    text = ("Node 0, zone   Normal\n  pages free     500\n        min      10\n        low      12\n"
            "        high     14\n        spanned  1000\n        present  1000\n        managed  900\n"
            "        cma      256\n        protection: (0, 0, 0)\n      nr_free_pages 500\n"
            "      nr_free_cma  120\n  pagesets\n")
    zone = memory.parse_zoneinfo(text)[0]
    assert zone["free_cma"] == 120  # nr_free_cma; "cma" (the zone's CMA size) is not free pages
    assert memory.parse_zoneinfo(read("centos6-2.6.32", "proc", "zoneinfo"))[2]["free_cma"] == 0  # no CMA in 2.6.32


def test_only_ascii_digits():
    with pytest.raises(memory.MemoryParseError):
        memory.parse_buddyinfo(u"Node 0, zone DMA \u0661 2\n")  # ARABIC-INDIC DIGIT ONE
    assert memory.parse_failure(u"java: page allocation failure. order:\u0663, mode:0x20") is None


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
    assert "/proc/meminfo line 1: expected MemTotal as a decimal integer, found 'lots'" in str(err.value)


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
    assert found["evidence"]["watermark_rule"] == "rhel6-no-high-order-below-min"
    assert found["evidence"]["lowest_highest_order_above_min"] == 2


def test_finding_warns_below_the_policy_on_big_hosts_only(fixture_root):
    facts = memory.collect(fixture_root("memory", "centos6-2.6.32"))  # 16 GiB with a 15 MB reserve
    found = memory.finding(facts, [])
    assert found["status"] == "ok"  # below the big-memory threshold: the kernel default is fine
    assert found["evidence"]["policy_target_kb"] == int(16331520 / 100)
    facts["mem_total_kb"] = 256 * GIB_KB
    found = memory.finding(facts, [])
    assert found["status"] == "warn"
    assert "below the policy target 2684354 kB for 262144 MiB of RAM" in found["summary"]


# --- logs that could not be read (issue 14): said so, never "no failures" ----------------

def _debian_facts(fixture_root):
    return memory.collect(fixture_root("memory", "debian11-5.10"))


def test_finding_with_an_unread_log_is_a_warn_naming_it(fixture_root):
    unread = [memory.unread_source("/dev/kmsg", OSError(13, "Permission denied"))]
    found = memory.finding(_debian_facts(fixture_root), [], unread=unread)
    assert found["status"] == "warn"
    assert "could not read /dev/kmsg (Permission denied)" in found["summary"]
    assert "run with become" in found["summary"]


def test_failures_found_elsewhere_still_fail_with_an_unread_log(fixture_root):
    failures = memory.group_failures(memory.failure_events(
        ["java: page allocation failure. order:2, mode:0x20"], "syslog"), "/var/log/messages")
    found = memory.finding(_debian_facts(fixture_root), failures, unread=[{"source": "/dev/kmsg", "error": "EPERM"}])
    assert found["status"] == "fail"


def test_finding_without_unread_logs_is_unchanged(fixture_root):
    found = memory.finding(_debian_facts(fixture_root), [])
    assert found["evidence"]["log_sources_unread"] == []
    assert "could not read" not in found["summary"]


class _FakeModule(object):
    def __init__(self):
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def get_bin_path(self, name):
        return None

    def run_command(self, args, check_rc=False):
        return 1, "", "not run"


def _log_entry(tmp_path, kind):
    path = str(tmp_path / kind.replace(" ", "_"))
    if kind == "directory":
        os.mkdir(path)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink loop":
        os.symlink(path, path)
    elif kind == "unreadable":
        with open(path, "w") as handle:
            handle.write("x\n")
        os.chmod(path, 0)
    return path


@pytest.mark.parametrize("kind, reason", audit_inputs.LOG_FILES)
def test_a_log_file_that_is_not_one_is_named_not_skipped(tmp_path, kind, reason):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
    if kind == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads a mode 000 file")
    path = _log_entry(tmp_path, kind)
    module = _FakeModule()
    groups, read, unread, _windows, _not_grouped = memory_watermark_facts.read_failures(module, ["files"], [path])
    assert (groups, read) == ([], [])
    assert len(unread) == 1 and unread[0]["source"] == path and reason in unread[0]["error"]
    assert path in module.warnings[0] and reason in module.warnings[0]


def test_a_read_error_names_the_file(tmp_path, monkeypatch):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
    path = str(tmp_path / "messages")
    with open(path, "w") as handle:
        handle.write("x\n")
    real_open = open

    def failing_open(name, *args, **kwargs):
        if name == path:
            raise IOError(5, "Input/output error")
        return real_open(name, *args, **kwargs)
    monkeypatch.setattr(memory_watermark_facts, "open", failing_open, raising=False)
    module = _FakeModule()
    unread = memory_watermark_facts.read_failures(module, ["files"], [path])[2]
    assert unread == [{"source": path, "error": "Input/output error"}]
    assert "cannot read %s: Input/output error" % path in module.warnings[0]


def test_a_missing_default_log_file_is_quietly_skipped(tmp_path):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
    module = _FakeModule()
    assert memory_watermark_facts.read_failures(module, ["files"], [str(tmp_path / "kern.log")]) == ([], [], [], [], 0)
    assert module.warnings == []


def test_kmsg_and_dmesg_both_unreadable_are_listed(monkeypatch):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts

    def denied(path="/dev/kmsg", budget=None, info=None):
        raise OSError(1, "Operation not permitted", path)
    monkeypatch.setattr(memory, "read_kmsg", denied)
    module = _FakeModule()
    _groups, read, unread, _windows, _not_grouped = memory_watermark_facts.read_failures(module, ["kmsg"], [])
    assert read == []
    assert unread[0] == {"source": "/dev/kmsg", "error": "Operation not permitted"}
    assert "run with become" in module.warnings[0]


# --- issue 14: bounded numbers, bounded memory ----------------------------------------------

def test_int_sqrt_is_exact_far_past_a_float():
    assert memory.int_sqrt(10 ** 400) == 10 ** 200
    assert memory.int_sqrt(10 ** 400 - 1) == 10 ** 200 - 1
    assert [memory.int_sqrt(n) for n in range(10)] == [0, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    assert memory.kernel_default_min_free_kbytes(10 ** 400, "6.1.0") == 262144  # once OverflowError


@pytest.mark.parametrize("name, text, fragment", [
    ("vm.lowmem_reserve_ratio", "256 abc", "expected the ratio of zone 1 as a decimal integer, found 'abc'"),
    ("vm.lowmem_reserve_ratio", "", "from 1 to 64 ratios"),
    ("vm.lowmem_reserve_ratio", "256\t" + "9" * 5000, "the ratio of zone 1 from -2147483648 to 2147483647"),
    ("vm.min_free_kbytes", u"6553\u00b2", "vm.min_free_kbytes as a decimal integer"),
    ("vm.min_free_kbytes", u"\u0661\u0660", "vm.min_free_kbytes as a decimal integer"),
    ("vm.watermark_scale_factor", "10 10", "as a decimal integer"),
])
def test_watermark_sysctls_name_the_file_and_the_value(name, text, fragment):
    with pytest.raises(memory.MemoryParseError) as err:
        memory.parse_watermark_sysctl(name, text)
    assert str(err.value).startswith("/proc/sys/" + name.replace(".", "/") + ": expected")
    assert fragment in str(err.value)


def test_a_5000_digit_field_is_named_with_its_length():
    text = read("host-6.18", "proc", "zoneinfo").replace("        min      20\n", "        min      " + "9" * 5000 + "\n")
    with pytest.raises(memory.MemoryParseError) as err:
        memory.parse_zoneinfo(text)
    assert "/proc/zoneinfo line 56: expected \"min\" pages from 0 to 18446744073709551615" in str(err.value)
    assert "(5000 digits)" in str(err.value)


def test_a_hostile_failure_line_costs_its_length_not_its_square():
    import time
    line = "kernel: " * 8000 + "x: page allocation failure. order:1, mode:0x20" + "]" * 100
    started = time.time()
    for _index in range(20):
        memory.parse_failure(line)
    assert time.time() - started < 1.0
    assert memory.parse_failure("kernel: java: page allocation failure. order:" + "9" * 5000 + ", mode:0x20") is None


def test_journal_lines_carry_their_monotonic_time():
    events = memory.failure_events(["[ 9150.001002] kv17 kernel: java: page allocation failure: order:2, mode:0x20"], "journal")
    assert (events[0]["process"], events[0]["when"]) == ("java", 9150.001002)
    huge = "[%s.1] java: page allocation failure: order:2, mode:0x20" % ("9" * 5000)
    assert memory.failure_events([huge], "dmesg")[0]["when"] is None  # once float('inf')


def test_failure_groups_are_capped_and_merged_in_order():
    groups = memory.FailureGroups(max_groups=2)
    lines = [("p%d: page allocation failure. order:1, mode:0x20" % (index % 3)).encode("ascii") for index in range(9)]
    groups.scan(lines + [b"unrelated"], "syslog")
    assert [g["process"] for g in groups.groups("x")] == ["p0", "p1"] and groups.not_grouped == 3
    assert groups.count() == 9
    later = memory.FailureGroups().scan(["[2.0] p0: page allocation failure. order:1, mode:0x20"], "dmesg")
    merged = memory.FailureGroups().scan(["[1.0] p0: page allocation failure. order:1, mode:0x20"], "dmesg").merge(later)
    assert [(g["count"], g["first"], g["last"]) for g in merged.groups("x")] == [(2, 1.0, 2.0)]


def test_command_output_is_streamed_and_cut_at_the_budget():
    info = {}
    lines = list(memory.iter_command_lines(["seq", "1", "10000000"], 4096, info))
    assert info["truncated"] and info["bytes"] == 4096 and info["rc"] is not None
    assert lines[0] == b"1" and len(lines) < 1100
    info = {}
    assert list(memory.iter_command_lines(["sh", "-c", "echo hi; echo oops >&2; exit 3"], 4096, info)) == [b"hi"]
    assert (info["rc"], info["stderr"], info["truncated"]) == (3, "oops", False)
    assert memory.journal_lines(64 * 1024 * 1024) == 524288


def test_read_kmsg_keeps_only_failure_records(tmp_path):
    path = str(tmp_path / "kmsg")
    with open(path, "wb") as handle:
        handle.write(b"6,1,1000,-;hello\n" * 1000 + b"4,2,2000,-;java: page allocation failure: order:2, mode:0x20\n")
    info = {}
    records = memory.read_kmsg(path, info=info)  # a plain file: reads come in 8 kB chunks, not records
    assert len(records) == 1 and "page allocation failure" in records[0] and info["truncated"] is False
    info = {}
    assert memory.read_kmsg(path, budget=100, info=info) == [] and info["truncated"] is True


class _StreamModule(_FakeModule):
    def __init__(self, bin_dir):
        super(_StreamModule, self).__init__()
        self.bin_dir = bin_dir

    def get_bin_path(self, name):
        path = os.path.join(self.bin_dir, name)
        return path if os.path.exists(path) else None


def _fake_command(tmp_path, name, script):
    path = tmp_path / name
    path.write_text(u"#!/bin/sh\n" + script)
    path.chmod(0o755)


def test_dmesg_and_journalctl_are_read_through_a_pipe_within_the_budget(tmp_path, monkeypatch):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts

    def denied(path="/dev/kmsg", budget=None, info=None):
        raise OSError(1, "Operation not permitted", path)
    monkeypatch.setattr(memory, "read_kmsg", denied)
    _fake_command(tmp_path, "dmesg", "yes '[    1.000000] eth0: link up' | head -n 100000\n"
                                     "echo '[ 9150.001] kworker/0:1: page allocation failure: order:3, mode:0x2080020'\n")
    _fake_command(tmp_path, "journalctl", "echo \"$@\" >&2; echo '[    2.500000] kv17 kernel: java: page allocation "
                                          "failure: order:2, mode:0x20'\n")
    module = _StreamModule(str(tmp_path))
    groups, read, unread, windows, _not_grouped = memory_watermark_facts.read_failures(module, ["kmsg", "journal"], [])
    assert read == ["dmesg", "journalctl -k"] and unread == []
    assert [(g["process"], g["when"] if "when" in g else g["first"]) for g in groups] == [("java", 2.5), ("kworker/0:1", 9150.001)]
    assert windows[0]["window"] == "whole log" and windows[1]["window"] == "last 524288 lines"
    # a budget smaller than dmesg's output: it is cut there, said so, and a warning names the part read
    groups, read, _unread, windows, _not_grouped = memory_watermark_facts.read_failures(module, ["kmsg"], [], 65536)
    assert read == ["dmesg"] and groups == []
    assert windows == [{"source": "dmesg", "bytes_read": 65536, "truncated": True, "window": "first 65536 bytes"}]
    assert "dmesg is longer than log_budget_bytes (65536): only its first 65536 bytes were read" in module.warnings[-1]


def test_a_failing_dmesg_is_listed_with_its_error(tmp_path, monkeypatch):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts

    def denied(path="/dev/kmsg", budget=None, info=None):
        raise OSError(1, "Operation not permitted", path)
    monkeypatch.setattr(memory, "read_kmsg", denied)
    _fake_command(tmp_path, "dmesg", "echo 'dmesg: read kernel buffer failed: Operation not permitted' >&2; exit 1\n")
    unread = memory_watermark_facts.read_failures(_StreamModule(str(tmp_path)), ["kmsg"], [])[2]
    assert unread[1] == {"source": "dmesg", "error": "dmesg: read kernel buffer failed: Operation not permitted"}


def test_a_log_file_longer_than_the_budget_is_read_from_its_end(tmp_path):
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
    path = str(tmp_path / "messages")
    with open(path, "wb") as handle:
        handle.write(b"Nov 19 01:00:00 kv17 kernel: [1.0] early: page allocation failure. order:5, mode:0x20\n")
        handle.write(b"Nov 19 01:00:01 kv17 kernel: [2.0] eth0: link up\n" * 2000)
        handle.write(b"Nov 20 03:14:07 kv17 kernel: [3.0] late: page allocation failure. order:3, mode:0x20\n")
    module = _FakeModule()
    groups, _read, _unread, windows, _not_grouped = memory_watermark_facts.read_failures(module, ["files"], [path], 8192)
    assert [g["process"] for g in groups] == ["late"]
    assert windows[0]["truncated"] is True and windows[0]["window"] == "last 8192 bytes"
    assert "only its last 8192 bytes were read; allocation failures logged before them are not counted" in module.warnings[0]
    groups = memory_watermark_facts.read_failures(_FakeModule(), ["files"], [path])[0]
    assert sorted(g["process"] for g in groups) == ["early", "late"]


@pytest.mark.parametrize("budget", [0, 4095, 2 ** 32 + 1, True, -1])
def test_log_budget_bytes_out_of_range_is_refused(budget, capsys):
    import json
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
    with patch_module_args({"log_sources": ["files"], "log_files": [], "log_budget_bytes": budget}):
        with pytest.raises(SystemExit):
            memory_watermark_facts.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "log_budget_bytes" in result["msg"] and "from 4096 to 4294967296" in result["msg"]


def test_a_fifo_where_zoneinfo_should_be_does_not_hang(tmp_path):
    (tmp_path / "proc").mkdir()
    os.mkfifo(str(tmp_path / "proc" / "zoneinfo"))
    with pytest.raises(memory.MemoryParseError) as err:
        memory.read_zoneinfo(str(tmp_path))
    assert str(err.value) == "cannot read /proc/zoneinfo: not a regular file (a FIFO, a socket or a device)"


@pytest.mark.parametrize("path, fragment", [("var/log/messages", "is not an absolute path"), ("", "is not an absolute path"),
                                            ("/var/log/\x00messages", "holds a NUL or a line break")])
def test_log_files_must_be_absolute_paths(path, fragment, capsys):
    import json
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.fleetfix.kernel.plugins.modules import memory_watermark_facts
    with patch_module_args({"log_sources": ["files"], "log_files": [path]}):
        with pytest.raises(SystemExit):
            memory_watermark_facts.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and result["msg"].startswith("log_files: ") and fragment in result["msg"]
