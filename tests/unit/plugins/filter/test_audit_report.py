"""The audit's variables (audit_settings, the first play of playbooks/audit.yml) and the
all-or-none writing of the four reports (the fleet_reports action plugin), issue 14."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleActionFail, AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.action import fleet_reports
from ansible_collections.fleetfix.kernel.plugins.filter.audit_report import audit_report
from ansible_collections.fleetfix.kernel.plugins.filter.audit_settings import AUDIT_DEFAULTS, audit_settings
from hostile import audit_inputs

CLASSES = {
    "audit: variables": audit_inputs.SETTINGS,
    "audit: report texts": audit_inputs.REPORT_TEXTS,
    "audit: log_files entries": audit_inputs.LOG_FILES,
}


def test_at_least_30_hostile_inputs_to_the_audit():
    counts = dict((name, len(cases)) for name, cases in CLASSES.items())
    print("\n" + "\n".join("%-28s %3d" % item for item in sorted(counts.items())))
    assert sum(counts.values()) >= 30
    assert all(counts.values())


def test_no_audit_input_is_listed_twice():
    for name, cases in CLASSES.items():
        keys = [repr(case[:2]) if isinstance(case, tuple) else repr(case) for case in cases]
        assert len(keys) == len(set(keys)), name


# --- the variables -------------------------------------------------------------------

@pytest.mark.parametrize("name, value, fragment", audit_inputs.SETTINGS,
                         ids=["%s=%r" % (case[0], case[1])[:60] for case in audit_inputs.SETTINGS])
def test_every_bad_audit_variable_is_refused_naming_it(name, value, fragment):
    with pytest.raises(AnsibleFilterError) as info:
        audit_settings({name: value})
    message = str(info.value)
    assert message.startswith(name)
    assert fragment in message
    assert len(message) < 700  # a 5000-digit value is cut, not echoed whole


def test_defaults_when_nothing_is_set():
    assert audit_settings({}) == dict(AUDIT_DEFAULTS)


@pytest.mark.parametrize("name, value, expected", [
    ("fleetfix_audit_serial", "1", 1),
    ("fleetfix_audit_serial", 0, 0),
    ("fleetfix_audit_serial", "30%", "30%"),
    ("fleetfix_audit_serial", [1, "50%", "100%"], [1, "50%", "100%"]),
    ("fleetfix_audit_fail_on", "warn", "warn"),
    ("fleetfix_audit_subset", "pipe_capacity", ["pipe_capacity"]),
    ("fleetfix_audit_subset", ["all", "!pipe_capacity"], ["all", "!pipe_capacity"]),
    ("fleetfix_audit_pipe_write_size", "65536", 65536),
    ("fleetfix_audit_pipe_write_size", 2 ** 31, 2 ** 31),
    ("fleetfix_audit_boot_extra_drivers", ["mpt3sas", "megaraid_sas"], ["mpt3sas", "megaraid_sas"]),
    ("fleetfix_audit_boot_extra_drivers", None, []),
    ("fleetfix_become", "false", False),
    ("fleetfix_become", False, False),
    ("fleetfix_report_dir", "/tmp/audit", "/tmp/audit"),
    ("fleetfix_audit_hosts", "web:&prod", "web:&prod"),
])
def test_good_values_are_normalised(name, value, expected):
    assert audit_settings({name: value})[name] == expected


def test_the_playbooks_own_facts_are_not_typos():
    assert audit_settings({"fleetfix_audit": {}, "fleetfix_audit_targets": ["a"], "fleetfix_audit_settings": {}})


def test_not_a_dict_is_refused():
    with pytest.raises(AnsibleFilterError):
        audit_settings(["fleetfix_audit_serial"])


# --- all-or-none writing ---------------------------------------------------------------

def _report(hostvars):
    return audit_report(sorted(hostvars), hostvars, generated_at="2026-11-26T00:00:00")


def _finding(status="ok", summary="s", evidence=None):
    return {"story": "pipe_capacity", "status": status, "summary": summary, "evidence": evidence or {"k": 1}, "remedy": None}


def test_zero_hosts_give_four_valid_reports(tmp_path):
    files, written = fleet_reports.write_all(str(tmp_path), fleet_reports.render_all(_report({}), ["json", "markdown", "html", "junit"]))
    # no finding, no host list: the inventory of findings is there, with no group
    assert sorted(os.listdir(str(tmp_path))) == ["fleet-findings.yml", "fleet-report.html", "fleet-report.json", "fleet-report.md", "junit.xml"]
    assert len(written) == 5
    assert json.load(open(files["json"]))["hosts"] == {}
    assert ET.parse(files["junit"]).getroot().get("tests") == "0"
    assert "No host was audited" in open(files["markdown"]).read()


def test_a_report_without_statuses_or_counts_still_renders(tmp_path):
    bare = {"hosts": {}, "stories": []}  # what a hand-made report may look like: no KeyError
    rendered = fleet_reports.render_all(bare, ["json", "markdown", "html", "junit"])
    assert [name for name, _f, _d in rendered] == ["json", "markdown", "html", "junit", "inventory"]


def test_a_failing_renderer_writes_nothing(tmp_path, monkeypatch):
    def broken(report):
        raise KeyError("statuses")
    monkeypatch.setattr(fleet_reports, "RENDERERS", fleet_reports.RENDERERS[:1] + (("markdown", "fleet-report.md", broken),)
                        + fleet_reports.RENDERERS[2:])
    with pytest.raises(AnsibleActionFail) as info:
        fleet_reports.render_all(_report({}), ["json", "markdown", "html", "junit"])
    assert "markdown" in str(info.value) and "no report was written" in str(info.value)
    assert os.listdir(str(tmp_path)) == []


def test_a_failing_write_leaves_the_old_reports_and_no_temp_file(tmp_path, monkeypatch):
    rendered = fleet_reports.render_all(_report({"a": {"fleetfix_audit": {"findings": [_finding()]}}}),
                                        ["json", "markdown", "html", "junit"])
    fleet_reports.write_all(str(tmp_path), rendered)
    before = dict((name, open(str(tmp_path / name), "rb").read()) for name in os.listdir(str(tmp_path)))
    changed = fleet_reports.render_all(_report({"b": {"fleetfix_audit": {"findings": [_finding("fail")]}}}),
                                       ["json", "markdown", "html", "junit"])
    real_stage, calls = fleet_reports._stage, []

    def stage(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", path)
        return real_stage(path, data)
    monkeypatch.setattr(fleet_reports, "_stage", stage)
    with pytest.raises(OSError):
        fleet_reports.write_all(str(tmp_path), changed)
    after = dict((name, open(str(tmp_path / name), "rb").read()) for name in os.listdir(str(tmp_path)))
    assert after == before  # the first two staged files were removed, nothing renamed


def test_unchanged_reports_are_not_rewritten(tmp_path):
    rendered = fleet_reports.render_all(_report({}), ["json", "junit"])
    assert len(fleet_reports.write_all(str(tmp_path), rendered)[1]) == 3
    assert fleet_reports.write_all(str(tmp_path), rendered)[1] == []


@pytest.mark.parametrize("text", audit_inputs.REPORT_TEXTS, ids=[repr(t)[:40] for t in audit_inputs.REPORT_TEXTS])
def test_hostile_text_in_name_summary_and_evidence_writes_well_formed_reports(tmp_path, text):
    report = _report({text: {"fleetfix_audit": {"findings": [_finding("fail", text, {text: text}),
                                                             dict(_finding("warn", text), story="boot_readiness")]}},
                      "b": {"fleetfix_audit": {"unreachable": True, "msg": text}}})
    files, _written = fleet_reports.write_all(str(tmp_path), fleet_reports.render_all(report, ["json", "markdown", "html", "junit"]))
    root = ET.parse(files["junit"]).getroot()
    assert root.get("tests") == "4"
    assert json.load(open(files["json"]))["hosts"]["b"]["message"] == text
    markdown = open(files["markdown"], encoding="utf-8").read()
    host_lines = [line for line in markdown.split("\n## Hosts\n", 1)[1].splitlines() if line.startswith("### ")]
    assert len(host_lines) == 2  # a newline in a host name does not start a new line
    assert len(markdown.split("\n## What to do\n", 1)[1].split("\n## ", 1)[0].split("\n### ")) == 4  # 3 groups, one line each
