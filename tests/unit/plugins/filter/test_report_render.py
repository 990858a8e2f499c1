"""The fleet report's renderers: JUnit counts and structure, Markdown, HTML escaping."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import gzip
import json
import xml.etree.ElementTree as ET

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.audit_report import audit_report
from ansible_collections.fleetfix.kernel.plugins.filter.report_render import (
    audit_report_html, audit_report_junit, audit_report_markdown)


def _finding(story, status, summary="s"):
    return {"story": story, "status": status, "summary": summary, "evidence": {"k": [1, 2]},
            "remedy": "role fleetfix.kernel.x" if status == "fail" else None}


@pytest.fixture
def report():
    hostvars = {
        "a": {"fleetfix_audit": {"findings": [_finding("boot_readiness", "fail", 'NOT READY: "6.1" <x> & y'),
                                              _finding("pipe_capacity", "ok")]}},
        "b": {"fleetfix_audit": {"findings": [_finding("boot_readiness", "warn"), _finding("pipe_capacity", "not_applicable")]}},
        "c": {"fleetfix_audit": {"findings": [_finding("boot_readiness", "error"), _finding("pipe_capacity", "ok")]}},
        "d": {"fleetfix_audit": {"unreachable": True, "msg": "timed out"}},
    }
    return audit_report(sorted(hostvars), hostvars, generated_at="2026-11-26T00:00:00")


def test_junit_has_one_testcase_per_host_and_story(report):
    root = ET.fromstring(audit_report_junit(report))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("8", "1", "3", "1")
    suites = dict((s.get("name"), s) for s in root.findall("testsuite"))
    assert sorted(suites) == ["boot_readiness", "pipe_capacity"]
    boot = dict((c.get("name"), c) for c in suites["boot_readiness"].findall("testcase"))
    assert boot["a"].find("failure").get("message") == 'NOT READY: "6.1" <x> & y'
    assert json.loads(boot["a"].find("failure").text)["remedy"]["text"] == "role fleetfix.kernel.x"
    assert boot["b"].find("system-out").text.startswith("WARN: ")
    assert boot["c"].find("error") is not None
    assert boot["d"].find("error").get("type") == "unreachable"
    assert suites["pipe_capacity"].find("testcase[@name='b']/skipped") is not None


def test_markdown_counts_and_hosts(report):
    text = audit_report_markdown(report)
    assert "4 host(s): 3 audited, 0 failed, 1 unreachable." in text
    assert "| boot_readiness | 1 | 1 | 1 | 0 | 0 |" in text
    assert "### d - unreachable\nunreachable: timed out" in text
    assert "  - evidence: `k=[1, 2]`" in text


def test_html_embeds_the_report_without_breaking_out_of_the_script(report):
    report["hosts"]["a"]["findings"][0]["summary"] = "</script><script>alert(1)</script><!--"
    html = audit_report_html(report)
    data = html.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data
    compact = json.loads(data)
    assert compact["hosts"] == sorted(report["hosts"]) and compact["stories"] == report["stories"]
    details = html.split('<script type="application/octet-stream" id="report-details">', 1)[1].split("</script>", 1)[0]
    assert json.loads(gzip.decompress(base64.b64decode(details))) == report["hosts"]  # every host's findings, unpacked on demand
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize("render", [audit_report_html, audit_report_junit, audit_report_markdown])
def test_not_a_report_is_refused(render):
    with pytest.raises(AnsibleFilterError):
        render({"hello": "world"})


def test_junit_stays_well_formed_with_control_characters_in_host_and_summary():
    nasty = "".join(chr(c) for c in range(32)) + "\ud800\ufffe\uffff"
    hostvars = {"web\x00\x1b01": {"fleetfix_audit": {"findings": [
        _finding("boot_readiness", "fail", "bad\x00summary\x07" + nasty),
        _finding("pipe_capacity", "warn", "warn\x1f" + nasty)]}},
        "gone\x01": {"fleetfix_audit": {"unreachable": True, "msg": "timed\x00out"}}}
    junit = audit_report_junit(audit_report(sorted(hostvars), hostvars))
    root = ET.fromstring(junit.encode("utf-8"))
    names = sorted(case.get("name") for case in root.iter("testcase"))
    assert names == ["gone\\x01", "gone\\x01", "web\\x00\\x1b01", "web\\x00\\x1b01"]
    failure = root.find(".//testcase[@name='web\\x00\\x1b01']/failure")
    assert failure.get("message").startswith("bad\\x00summary\\x07\\x00\\x01")
    assert "\\ud800\\ufffe\\uffff" in failure.get("message")
    assert root.find(".//testcase[@name='gone\\x01']/error").get("message") == "timed\\x00out"


def test_zero_hosts_render_in_every_format():
    empty = audit_report([], {})
    assert ET.fromstring(audit_report_junit(empty)).get("tests") == "0"
    assert "No host was audited" in audit_report_markdown(empty)
    assert "No findings." in audit_report_markdown(empty)
    assert '"hosts":[]' in audit_report_html(empty)
