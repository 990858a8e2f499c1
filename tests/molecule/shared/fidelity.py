"""Check-mode fidelity, as plain functions: shared by the Molecule verify step
(test_check_fidelity.py) and the Python 2.7 matrix (tests/py27/matrix.py).

Input: the JSON lines the fleetfix_changes callback writes, one per playbook run.
"""

import json


def load_runs(path, playbook=None):
    """Every recorded playbook run, oldest first (only ``playbook``'s when given)."""
    with open(path) as handle:
        runs = [json.loads(line) for line in handle if line.strip()]
    if playbook:
        runs = [run for run in runs if run["playbook"] == playbook]
    return runs


def changed_tasks(run):
    """(host, task, changed loop items) of every task that reported changed, sorted."""
    return sorted(
        (task["host"], task["task"], tuple(task["changed_items"]))
        for task in run["tasks"] if task["changed"]
    )


def failed_tasks(run):
    return [(task["host"], task["task"]) for task in run["tasks"] if task["status"] == "failed"]


def check_then_converge(runs):
    """The last --check run and the first real run after it: (check_run, converge_run, idempotence_run).

    Raises AssertionError naming what is missing."""
    checks = [i for i, run in enumerate(runs) if run["check"]]
    assert checks, "no --check run was recorded"
    later = [run for run in runs[checks[-1] + 1:] if not run["check"]]
    assert later, "no real run after the --check run"
    return runs[checks[-1]], later[0], (later[1] if len(later) > 1 else None)


def snapshot_differences(before, after):
    """Files and sysctls that differ between two snapshots (tests/molecule/shared/snapshot.py)."""
    files = sorted(set(before["files"]) ^ set(after["files"]) |
                   set(k for k in before["files"] if after["files"].get(k) != before["files"][k]))
    sysctls = sorted(k for k in set(before["sysctls"]) | set(after["sysctls"])
                     if before["sysctls"].get(k) != after["sysctls"].get(k))
    return files, sysctls
