"""playbooks/audit.yml over a small fleet with an unreachable host, in batches, limited.

Runs on the controller only: localhost (connection local, read-only audit of this machine)
and a host whose SSH port is closed. No VM, nothing written outside build/.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil
import re
import socket
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "build", "browser", "playbook")


def _closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    return port


def _run(tmp_path, *extra, **kwargs):
    inventory = tmp_path / "inventory.ini"
    local = "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable
    gone = ("gone.example ansible_host=127.0.0.1 ansible_port=%d ansible_user=nobody "
            "ansible_ssh_common_args='-o ConnectTimeout=5'\n" % _closed_port())
    inventory.write_text("[fleet]\n" + (gone + local if kwargs.get("gone_first") else local + gone))
    report_dir = os.path.join(OUT, tmp_path.name)
    shutil.rmtree(report_dir, ignore_errors=True)  # tmp_path names repeat between runs
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, "-i", str(inventory), os.path.join(REPO, "playbooks", "audit.yml"), "--check",
                           "-e", "fleetfix_report_dir=" + report_dir] + list(extra),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, cwd=REPO, check=False)
    return proc, report_dir


def _report(report_dir):
    with open(os.path.join(report_dir, "fleet-report.json")) as handle:
        return json.load(handle)


def _recap(stdout, host):
    """PLAY RECAP's counters of one host."""
    line = re.search(r"^%s\s*:\s*(.*)$" % re.escape(host), stdout, re.M).group(1)
    return dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", line))


@pytest.mark.parametrize("gone_first", [False, True], ids=["gone-last", "gone-first"])
def test_unreachable_host_is_reported_not_a_crash(tmp_path, gone_first):
    # one host at a time: the unreachable host alone in its "batch" must not end the audit
    proc, report_dir = _run(tmp_path, "-e", "fleetfix_audit_serial=1", "--forks", "2", gone_first=gone_first)
    # Ansible's own exit code for an unreachable host, after the reports are written
    assert proc.returncode == 4, proc.stdout[-3000:]
    recap = _recap(proc.stdout, "gone.example")
    assert recap["unreachable"] == 1 and recap["ok"] == 0 and recap["ignored"] == 0, recap
    assert _recap(proc.stdout, "localhost")["unreachable"] == 0
    report = _report(report_dir)
    assert report["host_states"] == {"audited": 1, "failed": 0, "unreachable": 1}
    assert report["hosts"]["gone.example"]["state"] == "unreachable"
    assert report["hosts"]["localhost"]["findings"]
    junit = open(os.path.join(report_dir, "junit.xml")).read()
    assert 'name="gone.example"><error type="unreachable"' in junit


def test_fail_on_makes_the_play_fail_for_pipelines(tmp_path):
    proc, report_dir = _run(tmp_path, "-e", "fleetfix_audit_fail_on=fail")
    assert proc.returncode != 0
    assert "gone.example:unreachable" in proc.stdout
    assert os.path.exists(os.path.join(report_dir, "fleet-report.html"))  # the reports are written first


@pytest.mark.parametrize("limit", ["localhost"])
def test_limit_audits_only_the_limited_hosts(tmp_path, limit):
    proc, report_dir = _run(tmp_path, "--limit", limit)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted(_report(report_dir)["hosts"]) == [limit]


# --- issue 14: the audit's variables are checked before any host is touched -----------------

@pytest.mark.parametrize("assignment, fragment", [
    ("fleetfix_audit_fail_on=bogus", "fleetfix_audit_fail_on='bogus' is not valid: expected one of never, warn, fail"),
    ("fleetfix_audit_serial=abc", "fleetfix_audit_serial='abc' is not valid"),
    ("fleetfix_audit_fail_onn=fail", "fleetfix_audit_fail_onn is not a variable of playbooks/audit.yml"),
])
def test_a_bad_audit_variable_fails_before_any_host_task_and_any_report(tmp_path, assignment, fragment):
    proc, report_dir = _run(tmp_path, "-e", assignment)
    assert proc.returncode != 0
    flat = " ".join(proc.stdout.split())
    assert fragment in flat, proc.stdout[-3000:]
    assert "Unexpected Exception" not in proc.stdout
    assert "run every story's collector" not in proc.stdout  # no host task ran
    assert not os.path.exists(report_dir)  # and no report was written


def test_junit_is_well_formed_with_control_characters_in_a_host_name(tmp_path):
    import xml.etree.ElementTree as ET
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        'all:\n  hosts:\n'
        '    localhost: {ansible_connection: local, ansible_python_interpreter: "%s"}\n'
        '    "gone\\x01\\x1b\\x7f.example": {ansible_host: 127.0.0.1, ansible_port: %d, ansible_user: nobody,\n'
        '      ansible_ssh_common_args: "-o ConnectTimeout=5"}\n' % (sys.executable, _closed_port()))
    report_dir = os.path.join(OUT, tmp_path.name)
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, "-i", str(inventory), os.path.join(REPO, "playbooks", "audit.yml"), "--check",
                           "-e", "fleetfix_report_dir=" + report_dir],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, cwd=REPO, check=False)
    assert proc.returncode == 4, proc.stdout[-3000:]  # one host unreachable
    root = ET.parse(os.path.join(report_dir, "junit.xml")).getroot()
    names = set(case.get("name") for case in root.iter("testcase"))
    assert "gone\\x01\\x1b\x7f.example" in names
    assert _report(report_dir)["hosts"]["gone\x01\x1b\x7f.example"]["state"] == "unreachable"


def test_every_target_unreachable_still_writes_the_report(tmp_path):
    """Ansible ends a run when every host of a play is unreachable: the collector play keeps
    localhost, so the report play is reached (review of issue 17)."""
    proc, report_dir = _run(tmp_path, "-e", "fleetfix_audit_hosts=gone.example")
    assert proc.returncode == 4, proc.stdout[-3000:]
    report = _report(report_dir)
    assert sorted(report["hosts"]) == ["gone.example"]
    assert report["host_states"] == {"audited": 0, "failed": 0, "unreachable": 1}
    assert _recap(proc.stdout, "gone.example")["unreachable"] == 1


def test_a_limit_without_localhost_is_refused_before_any_host_is_touched(tmp_path):
    proc, report_dir = _run(tmp_path, "--limit", "gone.example")
    assert proc.returncode != 0
    flat = " ".join(proc.stdout.split())
    assert "--limit leaves localhost out" in flat and "--limit 'gone.example,localhost'" in flat, proc.stdout[-3000:]
    assert "run every story's collector" not in proc.stdout
    assert not os.path.exists(report_dir)
    proc, report_dir = _run(tmp_path, "--limit", "gone.example,localhost", "-e", "fleetfix_audit_hosts=all")
    assert proc.returncode == 4 and sorted(_report(report_dir)["hosts"]) == ["gone.example", "localhost"]


# --- issue 18: drift against a previous report, through the playbook --------------------------

def _previous(report_dir, tmp_path, edit):
    report = _report(report_dir)
    edit(report)
    path = tmp_path / "previous.json"
    path.write_text(json.dumps(report))
    return str(path)


def test_the_same_audit_twice_is_no_change_and_a_faked_change_is_listed_in_every_format(tmp_path):
    proc, report_dir = _run(tmp_path, "--limit", "localhost")
    assert proc.returncode == 0, proc.stdout[-3000:]
    first = _report(report_dir)
    unchanged = _previous(report_dir, tmp_path, lambda report: None)
    proc, report_dir = _run(tmp_path, "--limit", "localhost", "-e", "fleetfix_report_previous=" + unchanged,
                            "-e", "fleetfix_audit_fail_on_new=true")
    assert proc.returncode == 0, proc.stdout[-3000:]
    drift = _report(report_dir)["drift"]
    assert drift["changes"] == [] and drift["regressions"] == 0
    assert set(_report(report_dir)["hosts"]["localhost"]["drift"].values()) == {"unchanged"}
    assert sorted(_report(report_dir)["hosts"]["localhost"]["drift"]) == first["stories"]
    assert "No change: every host and story is as it was." in open(os.path.join(report_dir, "fleet-report.md")).read()
    assert "nothing got worse since the audit of" in proc.stdout

    # the previous audit had socket_timeval as a warn with another cause: now it is resolved
    def fake(report):
        found = [f for f in report["hosts"]["localhost"]["findings"] if f["story"] == "socket_timeval"][0]
        found.update(status="warn", cause="faked for the test")
        report["generated_at"] = "2026-01-01T00:00:00+00:00"
    faked = _previous(report_dir, tmp_path, fake)
    proc, report_dir = _run(tmp_path, "--limit", "localhost", "-e", "fleetfix_report_previous=" + faked)
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = _report(report_dir)
    change = [c for c in report["drift"]["changes"] if c["story"] == "socket_timeval"]
    assert change and change[0]["from"] == {"status": "warn", "cause": "faked for the test"} and change[0]["kind"] == "resolved"
    markdown = open(os.path.join(report_dir, "fleet-report.md")).read()
    assert "## Changes since 2026-01-01T00:00:00+00:00" in markdown
    assert "| localhost | socket_timeval | resolved | warn: faked for the test |" in markdown
    html = open(os.path.join(report_dir, "fleet-report.html")).read()
    assert "faked for the test" in html and "Changes since" in html  # drawn by the browser test below


def test_fail_on_new_fails_only_on_a_regression_after_the_reports(tmp_path):
    proc, report_dir = _run(tmp_path)
    assert proc.returncode == 4  # gone.example is unreachable now

    def audited_before(report):  # the previous audit reached gone.example
        report["hosts"]["gone.example"] = {"state": "audited", "message": None, "worst": "ok", "findings": []}
    previous = _previous(report_dir, tmp_path, audited_before)
    proc, report_dir = _run(tmp_path, "-e", "fleetfix_report_previous=" + previous, "-e", "fleetfix_audit_fail_on_new=true")
    flat = " ".join(proc.stdout.split())
    assert "1 regression(s) since the audit of" in flat and "gone.example unreachable" in flat, proc.stdout[-3000:]
    assert _report(report_dir)["drift"]["regressions"] == 1


@pytest.mark.parametrize("content, fragment", [
    ('{"schema": "fleetfix.kernel/fleet-report", "schema_version": 1, "hosts": {}}', "schema version 1"),
    ("{not json", "is not JSON"),
    (None, "cannot read the previous report"),
])
def test_an_unusable_previous_report_stops_the_run_before_any_host_and_any_report(tmp_path, content, fragment):
    path = tmp_path / "previous.json"
    if content is not None:
        path.write_text(content)
    proc, report_dir = _run(tmp_path, "-e", "fleetfix_report_previous=" + str(path))
    assert proc.returncode != 0
    assert fragment in " ".join(proc.stdout.split()), proc.stdout[-3000:]
    assert "run every story's collector" not in proc.stdout
    assert not os.path.exists(report_dir)
