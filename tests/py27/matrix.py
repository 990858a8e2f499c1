"""Run the Python 2.7 matrix (matrix.yml) against a bullseye VM; see run.sh.

usage: matrix.py BIN_DIR INVENTORY OUT_DIR
BIN_DIR holds the ansible-core 2.16 commands. Prints one line per module and role and
exits 1 if any failed.
"""

import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "molecule", "shared"))

from fidelity import changed_tasks, check_then_converge, failed_tasks, load_runs  # noqa: E402

PY27, PY3 = "bullseye_py27", "bullseye_py3"


def adhoc(bin_dir, inventory, module, args, hosts, check=False):
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1")
    cmd = [os.path.join(bin_dir, "ansible"), hosts, "-i", inventory, "-m", module] + (["--check"] if check else [])
    if args:  # ansible-core 2.16 takes "{}" for free-form parameters
        cmd += ["-a", json.dumps(args)]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise SystemExit("ansible %s printed no JSON:\n%s\n%s" % (module, proc.stdout[-2000:], proc.stderr[-2000:]))
    return data["plays"][0]["tasks"][0]["hosts"]


def strip(result, volatile):
    out = dict(result)
    for key in list(out):
        if key.startswith("_ansible") or key in ("invocation", "changed", "warnings", "deprecations"):
            out.pop(key)
    for key in volatile:
        out.pop(key, None)
    return out


def dig(data, path):
    """Value at a dotted path; "findings[].status" maps the rest of the path over a list."""
    parts = path.split(".")
    for index, part in enumerate(parts):
        if part.endswith("[]"):
            items = data.get(part[:-2]) if isinstance(data, dict) else None
            if not isinstance(items, list):
                return "<missing %s>" % path
            rest = ".".join(parts[index + 1:])
            return [dig(item, rest) if rest else item for item in items]
        if not isinstance(data, dict) or part not in data:
            return "<missing %s>" % path
        data = data[part]
    return data


def check_module(bin_dir, inventory, entry):
    name = "fleetfix.kernel." + entry["name"]
    results = adhoc(bin_dir, inventory, name, entry.get("args", {}), "%s,%s" % (PY27, PY3), check=entry.get("check", False))
    problems = []
    for host in (PY27, PY3):
        res = results.get(host, {})
        if res.get("failed") or res.get("unreachable"):
            problems.append("%s failed: %s" % (host, res.get("msg", res)))
    if not problems:
        if entry.get("compare"):  # only these dotted paths (the rest moves between two runs)
            old = dict((path, dig(results[PY27], path)) for path in entry["compare"])
            new = dict((path, dig(results[PY3], path)) for path in entry["compare"])
        else:
            old, new = strip(results[PY27], entry.get("volatile", [])), strip(results[PY3], entry.get("volatile", []))
        if old != new:
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            problems.append("python2.7 and python3 differ in %s:\n  py27: %s\n  py3:  %s" % (
                diff, json.dumps(dict((k, old.get(k)) for k in diff), sort_keys=True),
                json.dumps(dict((k, new.get(k)) for k in diff), sort_keys=True)))
    return problems, results


def run_playbook(bin_dir, inventory, playbook, changes_file, check):
    env = dict(os.environ, ANSIBLE_CALLBACKS_ENABLED="fleetfix_changes",
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(TOP, "tests", "molecule", "plugins", "callback"),
               FLEETFIX_CHANGES_FILE=changes_file)
    cmd = [os.path.join(bin_dir, "ansible-playbook"), "-i", inventory, "--limit", PY27, playbook]
    if check:
        cmd.append("--check")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    return proc.returncode, proc.stdout


def check_role(bin_dir, inventory, entry, out_dir):
    changes = os.path.join(out_dir, "changes-%s.jsonl" % entry["name"])
    if os.path.exists(changes):
        os.remove(changes)
    playbook = os.path.join(TOP, entry["playbook"])
    log = []
    if entry.get("prepare"):  # sets the scene once; not part of the check/converge comparison
        code, output = run_playbook(bin_dir, inventory, os.path.join(TOP, entry["prepare"]), os.devnull, False)
        log.append(output)
        if code != 0:
            return ["prepare failed (rc %d):\n%s" % (code, output[-3000:])], log
    for check in (True, False, False):
        code, output = run_playbook(bin_dir, inventory, playbook, changes, check)
        log.append(output)
        if code != 0:
            return ["%s run failed (rc %d):\n%s" % ("check" if check else "converge", code, output[-3000:])], log
    check, converge, idempotence = check_then_converge(load_runs(changes))
    problems = []
    if failed_tasks(check):
        problems.append("check run failed tasks: %s" % failed_tasks(check))
    if entry.get("read_only"):
        if changed_tasks(converge):
            problems.append("a read-only role changed %s" % (changed_tasks(converge),))
    elif not changed_tasks(converge):
        problems.append("converge changed nothing: the matrix does not exercise the role")
    if changed_tasks(check) != changed_tasks(converge):
        problems.append("check predicted %s but converge changed %s" % (changed_tasks(check), changed_tasks(converge)))
    if changed_tasks(idempotence):
        problems.append("not idempotent under python2.7: %s" % (changed_tasks(idempotence),))
    return problems, log


def check_playbook(bin_dir, inventory, entry):
    """A playbook that must simply pass on the python2.7 host (matrix.yml "checks")."""
    code, output = run_playbook(bin_dir, inventory, os.path.join(TOP, entry["playbook"]), os.devnull, False)
    return ([] if code == 0 else ["failed (rc %d):\n%s" % (code, output[-3000:])]), output


def main():
    bin_dir, inventory, out_dir = sys.argv[1:4]
    with open(os.path.join(HERE, "matrix.yml")) as handle:
        matrix = yaml.safe_load(handle)
    version = adhoc(bin_dir, inventory, "ansible.builtin.setup", {"filter": "ansible_python_version"}, PY27)
    py27_version = version[PY27]["ansible_facts"]["ansible_python_version"]
    print("python on %s: %s" % (PY27, py27_version))
    failures = 0
    if not py27_version.startswith("2.7"):
        print("FAILED: the python2.7 host runs Python %s" % py27_version)
        failures += 1
    for entry in matrix["modules"]:
        problems, results = check_module(bin_dir, inventory, entry)
        with open(os.path.join(out_dir, "module-%s.json" % entry["name"]), "w") as handle:
            json.dump(results, handle, indent=2, sort_keys=True)
        failures += bool(problems)
        print("%-8s module %-22s %s" % ("FAILED" if problems else "passed", entry["name"],
                                        "\n".join(problems) if problems else "same result under python2.7 and python3"))
    for entry in matrix["roles"]:
        problems, log = check_role(bin_dir, inventory, entry, out_dir)
        with open(os.path.join(out_dir, "role-%s.log" % entry["name"]), "w") as handle:
            handle.write("\n".join(log))
        failures += bool(problems)
        print("%-8s role   %-22s %s" % ("FAILED" if problems else "passed", entry["name"],
                                        "\n".join(problems) if problems else "check == converge, idempotent, under python2.7"))
    for entry in matrix.get("checks") or []:
        problems, output = check_playbook(bin_dir, inventory, entry)
        with open(os.path.join(out_dir, "check-%s.log" % entry["name"]), "w") as handle:
            handle.write(output)
        failures += bool(problems)
        print("%-8s check  %-22s %s" % ("FAILED" if problems else "passed", entry["name"],
                                        "\n".join(problems) if problems else "passed under python2.7"))
    total = len(matrix["modules"]) + len(matrix["roles"]) + len(matrix.get("checks") or []) + 1
    print("py27 matrix: %d passed, %d failed" % (total - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
