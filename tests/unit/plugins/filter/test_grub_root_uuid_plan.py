# -*- coding: utf-8 -*-
"""The grub_root_uuid role's Decide step: the grub_root_uuid_plan filter, its place in the role
before any task that writes, and the role's argument spec - the hostile list of
tests/unit/hostile/grub_inputs.py through all of them."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess
import sys

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.grub_root_uuid_plan import FilterModule
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import ROOT_KINDS
from conftest import _PARENT, REPO

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "hostile"))
import grub_inputs  # noqa: E402

plan = FilterModule().filters()["grub_root_uuid_plan"]
ROLE = os.path.join(REPO, "roles", "grub_root_uuid")
UUID = grub_inputs.GOOD


def entry(title, root, kind):
    return {"title": title, "kernel": "/vmlinuz-" + title, "root": root, "root_kind": kind}


def facts(uuid=UUID, flavour="legacy", entries=None, default_grub=None):
    return {"flavour": flavour, "config": "/boot/grub/grub.conf", "root_filesystem": {"uuid": uuid},
            "default_grub": default_grub or {"settings": {}, "origin": {}},
            "entries": entries if entries is not None else [
                entry("device", "/dev/sda2", "device"), entry("lvm", "/dev/mapper/vg-root", "lvm"),
                entry("done", "UUID=" + UUID, "uuid"), entry("label", "LABEL=root", "label"),
                entry("memtest", None, None)]}


def test_plan_picks_what_grub_set_root_changes():
    result = plan(facts(), ["lvm"])
    assert [e["title"] for e in result["entries"]] == ["device", "label"]
    assert (result["flavour"], result["uuid"], result["disable_uuid_file"]) == ("legacy", UUID, "")
    assert [e["title"] for e in plan(facts(), [])["entries"]] == ["device", "lvm", "label"]
    assert [e["title"] for e in plan(facts(), list(ROOT_KINDS))["entries"]] == []


def test_plan_names_the_file_that_disables_uuids_for_grub2():
    settings = {"settings": {"GRUB_DISABLE_LINUX_UUID": "true"},
                "origin": {"GRUB_DISABLE_LINUX_UUID": "/etc/default/grub.d/10-x.cfg"}}
    assert plan(facts(flavour="grub2", default_grub=settings), ["lvm"])["disable_uuid_file"] == "/etc/default/grub.d/10-x.cfg"
    assert plan(facts(flavour="legacy", default_grub=settings), ["lvm"])["disable_uuid_file"] == ""


def test_no_uuid_is_left_to_the_role_assert():
    result = plan(facts(uuid=None), ["lvm"])
    assert result["uuid"] is None and result["entries"] == []


def test_wrong_input_is_named():
    with pytest.raises(AnsibleFilterError) as err:
        plan("not facts", ["lvm"])
    assert "expects the fleetfix_grub facts" in str(err.value)


ROLE_INPUTS = [item for item in grub_inputs.INPUTS if item[0] in ("uuid", "keep_kinds")]


@pytest.mark.parametrize("what, value, fragment", ROLE_INPUTS, ids=[repr(i[1])[:40] for i in ROLE_INPUTS])
def test_hostile_input_is_refused_by_the_decide_step(what, value, fragment):
    with pytest.raises(AnsibleFilterError) as err:
        if what == "uuid":
            plan(facts(uuid=value), ["lvm"])
        else:
            plan(facts(), value)
    message = str(err.value)
    name = "root_filesystem.uuid" if what == "uuid" else "fleetfix_grub_keep_kinds"
    assert name in message and fragment in message, message


def test_keep_kinds_choices_are_the_root_kinds_everywhere():
    with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["main"]["options"]["fleetfix_grub_keep_kinds"]
    assert spec["choices"] == list(ROOT_KINDS)
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        assert set(yaml.safe_load(handle)["fleetfix_grub_keep_kinds"]) <= set(ROOT_KINDS)
    from ansible_collections.fleetfix.kernel.plugins.modules import grub_set_root
    doc = yaml.safe_load(grub_set_root.DOCUMENTATION)["options"]["keep_kinds"]
    assert doc["choices"] == list(ROOT_KINDS)


def test_decide_filter_runs_before_any_task_that_writes():
    with open(os.path.join(ROLE, "tasks", "main.yml")) as handle:
        tasks = yaml.safe_load(handle)
    decide = [i for i, task in enumerate(tasks)
              if "fleetfix.kernel.grub_root_uuid_plan(fleetfix_grub_keep_kinds)" in str(task.get("ansible.builtin.set_fact"))]
    writers = [i for i, task in enumerate(tasks)
               if "ansible.builtin.lineinfile" in task or "fleetfix.kernel.grub_set_root" in task]
    assert decide and writers and max(decide) < min(writers)
    for i in writers:  # the writers take the checked plan, never the raw facts
        task = str(tasks[i])
        assert "fleetfix_grub_plan" in task and "root_filesystem" not in task


ANSIBLE_PLAYBOOK = os.path.join(REPO, ".venv", "bin", "ansible-playbook")


@pytest.mark.skipif(not os.path.exists(ANSIBLE_PLAYBOOK), reason="no ansible-playbook in the checkout's .venv")
@pytest.mark.parametrize("kinds", [["LVM"], ["lvm "]])
def test_role_refuses_bad_keep_kinds_before_any_task(tmp_path, kinds):
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "roles": [
        {"role": "fleetfix.kernel.grub_root_uuid", "vars": {"fleetfix_grub_keep_kinds": kinds}}]}]))
    config = tmp_path / "ansible.cfg"
    config.write_text(u"[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_PARENT, ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home"))
    proc = subprocess.run(check=False, args=[ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "--check", str(playbook)],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode != 0, out
    assert "fleetfix_grub_keep_kinds" in out and kinds[0].strip() in out, out
    assert "Gather |" not in out and "Apply |" not in out, out
