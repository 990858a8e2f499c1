"""From audit to action (issue 18): groups of findings, host lists, drift, the previous report."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
import os
import shlex

import pytest
from ansible.errors import AnsibleFilterError, AnsibleLookupError

from ansible_collections.fleetfix.kernel.plugins.action import fleet_reports
from ansible_collections.fleetfix.kernel.plugins.filter.audit_report import audit_report
from ansible_collections.fleetfix.kernel.plugins.filter.audit_settings import audit_settings
from ansible_collections.fleetfix.kernel.plugins.lookup import previous_report
from ansible_collections.fleetfix.kernel.plugins.plugin_utils import fleet_triage

LACKS = "NOT READY: initramfs lacks megaraid_sas"


def _f(story, status, cause=None, fixes=None, summary=None):
    return {"story": story, "status": status, "summary": summary or "%s %s" % (story, status),
            "cause": cause or status, "evidence": {}, "remedy": "do it" if status in ("fail", "warn") else None,
            "fixes": fixes or []}


def _boot(drivers=("megaraid_sas",)):
    return _f("boot_readiness", "fail", "NOT READY: initramfs lacks %s" % ", ".join(drivers),
              [{"role": "initramfs_drivers", "variables": {"fleetfix_initramfs_drivers": list(drivers)}, "per_host": []}])


def _pipe(size=1048576):
    return _f("pipe_capacity", "warn", "fs.pipe-max-size below the write size",
              [{"role": "pipe_size", "variables": {"fleetfix_pipe_max_size": size}, "per_host": []}])


def _fleet():
    return {
        "a": {"fleetfix_audit": {"findings": [_boot(), _pipe(), _f("slab_allocator", "ok")]}},
        "b": {"fleetfix_audit": {"findings": [_boot(), _f("pipe_capacity", "ok"), _f("slab_allocator", "ok")]}},
        "c": {"fleetfix_audit": {"findings": [_boot(("mpt3sas",)), _pipe(), _f("slab_allocator", "ok")]}},
        "d": {"fleetfix_audit": {"unreachable": True, "msg": "timed out"}},
        "e": {"fleetfix_audit": {"findings": [_f("boot_readiness", "ok"), _pipe(2097152), _f("slab_allocator", "warn", "out-of-tree modules")]}},
    }


def _report(hostvars=None, previous=None, report_dir="reports"):
    hostvars = _fleet() if hostvars is None else hostvars
    return audit_report(sorted(hostvars), hostvars, generated_at="now", previous=previous, report_dir=report_dir)


def _json(report):
    return json.loads(json.dumps(report))  # what the previous report is once written and read back


# ---- groups -----------------------------------------------------------------------

def test_hosts_with_the_same_story_status_and_cause_form_one_group_worst_then_largest_first():
    groups = _report()["groups"]
    assert [(g["story"], g["status"], g["cause"], g["hosts"]) for g in groups] == [
        ("boot_readiness", "fail", LACKS, ["a", "b"]),
        ("boot_readiness", "fail", "NOT READY: initramfs lacks mpt3sas", ["c"]),
        (None, "unreachable", "host unreachable", ["d"]),
        ("pipe_capacity", "warn", "fs.pipe-max-size below the write size", ["a", "c", "e"]),
        ("slab_allocator", "warn", "out-of-tree modules", ["e"]),
    ]
    assert [g["count"] for g in groups] == [2, 1, 1, 3, 1]


def test_a_group_command_runs_remediate_on_exactly_its_host_list_with_the_roles_toggle_tag_and_variables():
    group = _report(report_dir="out/weekly")["groups"][0]
    assert group["limit_file"] == "limit/boot_readiness-fail-not-ready-initramfs-lacks-megaraid-sas.txt"
    argv = shlex.split(group["command"])
    assert argv[:4] == ["ansible-playbook", "fleetfix.kernel.remediate", "--limit", "@out/weekly/" + group["limit_file"]]
    assert argv[argv.index("--tags") + 1] == "initramfs_drivers"
    expected = {"fleetfix_initramfs_drivers_enabled": True, "fleetfix_initramfs_drivers": ["megaraid_sas"]}
    assert json.loads(argv[argv.index("-e") + 1]) == expected
    assert argv[-2:] == ["--check", "--diff"]
    assert group["remedy"]["roles"] == ["fleetfix.kernel.initramfs_drivers"]
    assert group["inventory_group"] == "fleetfix_boot_readiness_fail_not_ready_initramfs_lacks_megaraid_sas"


def test_variables_that_differ_within_a_group_are_per_host_not_one_extra_var():
    pipe = [g for g in _report()["groups"] if g["story"] == "pipe_capacity"][0]
    assert "fleetfix_pipe_max_size" not in pipe["remedy"]["variables"]
    assert pipe["remedy"]["per_host"] == ["fleetfix_pipe_max_size"]
    assert pipe["remedy"]["variables"] == {"fleetfix_pipe_size_enabled": True}


def test_unreachable_hosts_get_a_re_audit_command_and_a_finding_with_no_role_gets_none():
    groups = dict(((g["story"], g["status"]), g) for g in _report()["groups"])
    argv = shlex.split(groups[(None, "unreachable")]["command"])
    assert argv[:4] == ["ansible-playbook", "fleetfix.kernel.audit", "--limit", "@reports/limit/host-unreachable-host-unreachable.txt,localhost"]
    assert groups[("slab_allocator", "warn")]["command"] is None
    assert groups[("slab_allocator", "warn")]["remedy"]["text"] == "do it"


def test_one_host_list_per_story_and_status_and_per_host_problem():
    lists = dict((item["id"], item["hosts"]) for item in _report()["host_lists"])
    assert lists == {"boot_readiness-fail": ["a", "b", "c"], "pipe_capacity-warn": ["a", "c", "e"],
                     "slab_allocator-warn": ["e"], "unreachable": ["d"]}


def test_long_or_colliding_causes_get_distinct_stable_file_names():
    long_cause = "NOT READY: " + "x" * 300
    hostvars = {"a": {"fleetfix_audit": {"findings": [_f("boot_readiness", "fail", long_cause)]}},
                "b": {"fleetfix_audit": {"findings": [_f("docker_kernel", "fail", "a/b")]}},
                "c": {"fleetfix_audit": {"findings": [_f("docker_kernel", "fail", "a b")]}}}
    names = [g["limit_file"] for g in _report(hostvars)["groups"]]
    assert len(set(names)) == 3
    assert all(len(os.path.basename(n)) < 100 for n in names)
    assert names == [g["limit_file"] for g in _report(hostvars)["groups"]]


# ---- host list files, usable by Ansible --------------------------------------------

# Host names Ansible's --limit would read as patterns, beside names they would also match.
TRICKY_HOSTS = ["web*", "web1", "webx", "~web.*", "!web1", "&web1", "db?", "db1", "a-b.example.net", "under_score",
                "UPPER.example.NET", "upper.example.net", "h:22x"]


@pytest.fixture()
def inventory(tmp_path):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    path = tmp_path / "hosts.json"
    path.write_text(json.dumps({"all": {"hosts": dict((h, None) for h in TRICKY_HOSTS),
                                        "children": {"webservers": {"hosts": {"web1": None}}}}}))
    yaml_path = tmp_path / "hosts.yml"
    os.rename(str(path), str(yaml_path))

    def make():
        return InventoryManager(loader=DataLoader(), sources=[str(yaml_path)])
    return make


@pytest.mark.parametrize("host", TRICKY_HOSTS)
def test_a_limit_file_selects_exactly_its_host_whatever_the_name(inventory, tmp_path, host):
    manager = inventory()
    assert host in [h.name for h in manager.get_hosts()], "the inventory must hold %r for this test" % host
    limit = tmp_path / "limit.txt"
    limit.write_text(fleet_triage.limit_line(host) + "\n")
    manager.subset("@" + str(limit))
    assert [h.name for h in manager.get_hosts("all")] == [host]


def test_every_line_of_a_written_host_list_selects_one_host(inventory, tmp_path):
    hostvars = dict((h, {"fleetfix_audit": {"findings": [_pipe()]}}) for h in TRICKY_HOSTS[:6])
    files = fleet_triage.host_list_files(_report(hostvars))
    text = files["limit/pipe_capacity-warn.txt"]
    assert len(text.splitlines()) == 6
    (tmp_path / "l.txt").write_text(text)
    manager = inventory()
    manager.subset("@" + str(tmp_path / "l.txt"))
    assert sorted(h.name for h in manager.get_hosts("all")) == sorted(TRICKY_HOSTS[:6])


def test_the_inventory_of_findings_loads_in_ansible_with_a_group_per_list(tmp_path):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    hostvars = _fleet()
    hostvars["odd host\tname"] = {"fleetfix_audit": {"findings": [_pipe()]}}
    report = _report(hostvars)
    files = fleet_triage.host_list_files(report)
    path = tmp_path / fleet_triage.INVENTORY_FILE
    path.write_text(files[fleet_triage.INVENTORY_FILE])
    manager = InventoryManager(loader=DataLoader(), sources=[str(path)])
    groups = manager.get_groups_dict()
    assert sorted(groups["fleetfix_pipe_capacity_warn"]) == ["a", "c", "e", "odd host\tname"]
    for group in report["groups"]:
        assert sorted(groups[group["inventory_group"]]) == sorted(group["hosts"])


def test_host_lists_an_earlier_audit_left_are_removed_and_nothing_else(tmp_path):
    dest = str(tmp_path)
    fleet_reports.write_all(dest, fleet_reports.render_all(_report(), ["json"]))
    stale = os.path.join(dest, "limit", "boot_readiness-fail.txt")
    assert os.path.exists(stale)
    os.makedirs(os.path.join(dest, "limit", "keep.d"))
    with open(os.path.join(dest, "limit", "notes.md"), "w") as handle:
        handle.write("mine")
    healed = _fleet()
    for name in ("a", "b", "c"):
        healed[name]["fleetfix_audit"]["findings"][0] = _f("boot_readiness", "ok")
    _files, changed = fleet_reports.write_all(dest, fleet_reports.render_all(_report(healed), ["json"]))
    assert not os.path.exists(stale) and stale in changed
    assert sorted(os.listdir(os.path.join(dest, "limit"))) == [
        "host-unreachable-host-unreachable.txt", "keep.d", "notes.md", "pipe_capacity-warn-fs-pipe-max-size-below-the-write-size.txt",
        "pipe_capacity-warn.txt", "slab_allocator-warn-out-of-tree-modules.txt", "slab_allocator-warn.txt", "unreachable.txt"]


# ---- drift ------------------------------------------------------------------------

def test_the_same_fleet_twice_is_no_change_per_host_and_story():
    first = _json(_report())
    second = _report(previous=first)
    drift = second["drift"]
    assert drift["changes"] == [] and drift["regressions"] == 0
    assert drift["hosts_new"] == [] and drift["hosts_gone"] == []
    for host in ("a", "b", "c", "e"):
        assert set(second["hosts"][host]["drift"].values()) == {"unchanged"}, host
        assert sorted(second["hosts"][host]["drift"]) == sorted(f["story"] for f in second["hosts"][host]["findings"])
    assert drift["counts"]["unchanged"] == 12


def test_each_kind_of_change_is_listed_and_only_regressions_count():
    first = _json(_report())
    later = _fleet()
    later["a"]["fleetfix_audit"]["findings"][0] = _f("boot_readiness", "ok")                            # resolved
    later["b"]["fleetfix_audit"]["findings"][1] = _pipe()                                                 # new
    later["c"]["fleetfix_audit"]["findings"][0] = _boot(("mpt3sas", "megaraid_sas"))                      # another cause
    later["e"]["fleetfix_audit"]["findings"][2] = _f("slab_allocator", "fail", "out-of-tree modules")      # worse
    later["e"]["fleetfix_audit"]["findings"][1] = _f("pipe_capacity", "ok")                               # resolved
    later["d"] = {"fleetfix_audit": {"findings": [_f("pipe_capacity", "ok")]}}                             # back, nothing to compare
    later["f"] = {"fleetfix_audit": {"findings": [_pipe()]}}                                              # new host
    del later["a"]["fleetfix_audit"]["findings"][2]                                                       # slab not audited now on a
    drift = _report(later, previous=first)["drift"]
    kinds = sorted((c["host"], c["story"], c["kind"]) for c in drift["changes"])
    assert kinds == [("a", "boot_readiness", "resolved"), ("a", "slab_allocator", "not_audited"), ("b", "pipe_capacity", "new"),
                     ("c", "boot_readiness", "changed"), ("e", "pipe_capacity", "resolved"), ("e", "slab_allocator", "worse"),
                     ("f", "pipe_capacity", "new")]
    assert drift["regressions"] == 4
    assert drift["hosts_new"] == ["f"] and drift["hosts_gone"] == []
    change = [c for c in drift["changes"] if c["host"] == "c"][0]
    assert change["from"] == {"status": "fail", "cause": "NOT READY: initramfs lacks mpt3sas"}
    assert change["to"] == {"status": "fail", "cause": "NOT READY: initramfs lacks mpt3sas, megaraid_sas"}


def test_a_host_audited_before_and_unreachable_now_is_a_regression_and_a_gone_host_is_listed():
    first = _json(_report())
    later = _fleet()
    later["a"] = {"fleetfix_audit": {"unreachable": True, "msg": "down"}}
    del later["b"]
    drift = _report(later, previous=first)["drift"]
    assert [(c["host"], c["kind"]) for c in drift["changes"]] == [("a", "unreachable")]
    assert drift["regressions"] == 1 and drift["hosts_gone"] == ["b"]


@pytest.mark.parametrize("previous, fragment", [
    ({"schema": "fleetfix.kernel/fleet-report", "schema_version": 1, "hosts": {}}, "schema version 1"),
    ({"schema": "something/else", "schema_version": 2, "hosts": {}}, "not a fleetfix.kernel fleet report"),
    ([1, 2], "not a fleetfix.kernel fleet report"),
    ({"schema": "fleetfix.kernel/fleet-report", "schema_version": 2, "hosts": []}, 'no "hosts" object'),
    ({"schema": "fleetfix.kernel/fleet-report", "schema_version": 2, "hosts": {"a": {"findings": [{"story": "x", "status": "bad"}]}}},
     "malformed entry"),
    ({"schema": "fleetfix.kernel/fleet-report", "schema_version": 2, "hosts": {"a": "text"}}, "malformed entry"),
])
def test_a_previous_report_this_version_cannot_compare_with_is_refused(previous, fragment):
    with pytest.raises(AnsibleFilterError) as info:
        _report(previous=previous)
    assert fragment in str(info.value)


def test_the_lookup_reads_a_previous_report_and_refuses_what_it_cannot(tmp_path, monkeypatch):
    good = tmp_path / "fleet-report.json"
    good.write_text(json.dumps(_report()))
    monkeypatch.chdir(str(tmp_path))
    assert previous_report.read_previous("fleet-report.json")["schema_version"] == 2  # relative to the current directory
    cases = [("missing.json", "cannot read the previous report"), ("bad.json", "is not JSON"), ("v1.json", "schema version 1")]
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "v1.json").write_text(json.dumps({"schema": "fleetfix.kernel/fleet-report", "schema_version": 1, "hosts": {}}))
    for name, fragment in cases:
        with pytest.raises(AnsibleLookupError) as info:
            previous_report.read_previous(name)
        assert fragment in str(info.value) and name in str(info.value)
    monkeypatch.setattr(previous_report, "MAX_BYTES", 10)
    with pytest.raises(AnsibleLookupError) as info:
        previous_report.read_previous("fleet-report.json")
    assert "over" in str(info.value)


def test_fail_on_new_needs_a_previous_report():
    with pytest.raises(AnsibleFilterError) as info:
        audit_settings({"fleetfix_audit_fail_on_new": True})
    assert "fleetfix_report_previous" in str(info.value)
    assert audit_settings({"fleetfix_audit_fail_on_new": "yes", "fleetfix_report_previous": "r.json"})["fleetfix_audit_fail_on_new"] is True
    assert audit_settings({"fleetfix_report_previous": ""})["fleetfix_report_previous"] is None
    with pytest.raises(AnsibleFilterError):
        audit_settings({"fleetfix_report_previous": "a\nb"})


def test_the_report_of_a_previous_run_is_not_changed_by_the_comparison():
    first = _json(_report())
    kept = copy.deepcopy(first)
    _report(previous=first)
    assert first == kept
