"""Shared verify step of every scenario: --check must be exact and must write nothing.

Molecule's sequence here is create -> prepare (snapshot) -> check -> side_effect (snapshot)
-> converge -> idempotence -> verify. The fleetfix_changes callback recorded every task of
every converge.yml run; the snapshots hold checksums under /etc, /boot, ... and /proc/sys.
"""

import json
import os

import pytest

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")


def _runs():
    path = os.path.join(EPHEMERAL, "fleetfix-changes.jsonl")
    if not os.path.exists(path):
        pytest.fail("no record of the converge runs at %s (fleetfix_changes callback not enabled?)" % path)
    with open(path) as handle:
        runs = [json.loads(line) for line in handle if line.strip()]
    return [run for run in runs if run["playbook"] == "converge.yml"]


def _changed(run):
    return sorted(
        (task["host"], task["task"], tuple(task["changed_items"]))
        for task in run["tasks"] if task["changed"]
    )


def test_check_run_predicted_exactly_what_converge_changed():
    runs = _runs()
    checks = [i for i, run in enumerate(runs) if run["check"]]
    assert checks, "no --check run of converge.yml was recorded"
    first_check = checks[-1]
    later = [run for run in runs[first_check + 1:] if not run["check"]]
    assert later, "no converge run after the check run"
    predicted, changed = _changed(runs[first_check]), _changed(later[0])
    print("check run changed: %s" % predicted)
    print("converge changed:  %s" % changed)
    assert changed, "converge changed nothing: the scenario does not exercise the role"
    assert predicted == changed


def test_check_run_had_no_failures():
    runs = [run for run in _runs() if run["check"]]
    failed = [(t["host"], t["task"]) for t in runs[-1]["tasks"] if t["status"] == "failed"]
    assert not failed


def test_idempotence_run_changed_nothing():
    later = [run for run in _runs() if not run["check"]]
    assert len(later) >= 2, "no idempotence run recorded"
    assert _changed(later[1]) == []


def _snapshots():
    pairs = []
    for name in sorted(os.listdir(EPHEMERAL)):
        if name.startswith("snapshot-before-") and name.endswith(".json"):
            host = name[len("snapshot-before-"):-len(".json")]
            after = os.path.join(EPHEMERAL, "snapshot-after-check-%s.json" % host)
            pairs.append((host, os.path.join(EPHEMERAL, name), after))
    return pairs


def test_check_run_wrote_nothing():
    pairs = _snapshots()
    assert pairs, "no snapshots taken around the check run"
    for host, before_path, after_path in pairs:
        with open(before_path) as handle:
            before = json.load(handle)
        with open(after_path) as handle:
            after = json.load(handle)
        assert before["files"], "empty snapshot for %s" % host
        files = sorted(set(before["files"]) ^ set(after["files"]) |
                       set(k for k in before["files"] if after["files"].get(k) != before["files"][k]))
        sysctls = sorted(k for k in set(before["sysctls"]) | set(after["sysctls"])
                         if before["sysctls"].get(k) != after["sysctls"].get(k))
        assert files == [], "%s: the check run changed files: %s" % (host, files)
        assert sysctls == [], "%s: the check run changed sysctls: %s" % (host, sysctls)
