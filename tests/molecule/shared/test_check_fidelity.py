"""Shared verify step of every scenario: --check must be exact and must write nothing.

Molecule's sequence here is create -> prepare (snapshot) -> check -> side_effect (snapshot)
-> converge -> idempotence -> verify. The fleetfix_changes callback recorded every task of
every converge.yml run; the snapshots hold checksums under /etc, /boot, ... and /proc/sys.
"""

import json
import os

import pytest

from fidelity import changed_tasks, check_then_converge, failed_tasks, load_runs, snapshot_differences

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
# A read-only role (a check) must change nothing at all; every other role must change something.
READ_ONLY = os.environ.get("FLEETFIX_READ_ONLY_ROLE", "").lower() in ("1", "true", "yes")


def _runs():
    path = os.path.join(EPHEMERAL, "fleetfix-changes.jsonl")
    if not os.path.exists(path):
        pytest.fail("no record of the converge runs at %s (fleetfix_changes callback not enabled?)" % path)
    return load_runs(path, playbook="converge.yml")


def test_check_run_predicted_exactly_what_converge_changed():
    check, converge, _idempotence = check_then_converge(_runs())
    predicted, changed = changed_tasks(check), changed_tasks(converge)
    print("check run changed: %s" % (predicted,))
    print("converge changed:  %s" % (changed,))
    if READ_ONLY:
        assert changed == [], "a read-only role changed something"
    else:
        assert changed, "converge changed nothing: the scenario does not exercise the role"
    assert predicted == changed


def test_check_run_had_no_failures():
    check, _converge, _idempotence = check_then_converge(_runs())
    assert failed_tasks(check) == []


def test_idempotence_run_changed_nothing():
    _check, _converge, idempotence = check_then_converge(_runs())
    assert idempotence is not None, "no idempotence run recorded"
    assert changed_tasks(idempotence) == []


def _snapshot_pairs():
    pairs = []
    for name in sorted(os.listdir(EPHEMERAL)):
        if name.startswith("snapshot-before-") and name.endswith(".json"):
            host = name[len("snapshot-before-"):-len(".json")]
            after = os.path.join(EPHEMERAL, "snapshot-after-check-%s.json" % host)
            pairs.append((host, os.path.join(EPHEMERAL, name), after))
    return pairs


def test_check_run_wrote_nothing():
    pairs = _snapshot_pairs()
    assert pairs, "no snapshots taken around the check run"
    for host, before_path, after_path in pairs:
        with open(before_path) as handle:
            before = json.load(handle)
        with open(after_path) as handle:
            after = json.load(handle)
        assert before["files"], "empty snapshot for %s" % host
        files, sysctls = snapshot_differences(before, after)
        print("%s: %d files and %d sysctls compared" % (host, len(before["files"]), len(before["sysctls"])))
        assert files == [], "%s: the check run changed files: %s" % (host, files)
        assert sysctls == [], "%s: the check run changed sysctls: %s" % (host, sysctls)
