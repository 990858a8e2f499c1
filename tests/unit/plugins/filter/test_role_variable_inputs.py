"""Issue 14, Deliver 3: every hostile role variable in tests/unit/hostile/role_variable_inputs.py
is refused by its role's Decide step (the plan filter), naming the variable and the value."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.initramfs_drivers_plan import initramfs_drivers_plan
from ansible_collections.fleetfix.kernel.plugins.filter.persistent_net_plan import persistent_net_plan
from ansible_collections.fleetfix.kernel.plugins.filter.pipe_size_plan import pipe_size_plan
from ansible_collections.fleetfix.kernel.plugins.filter.vm_watermarks_plan import vm_watermarks_plan
from ansible_collections.fleetfix.kernel.plugins.module_utils import memory, pipe

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "hostile"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from hostile import role_variable_inputs as inputs  # noqa: E402  pylint: disable=wrong-import-position

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
PIPE_FACTS = pipe.build_facts("6.1.0-28-amd64", 4096, {"pipe_max_size": 1048576, "pipe_user_pages_soft": 16384,
                                                       "pipe_user_pages_hard": 0}, 65536, None)
PIPE_DROPIN = "/etc/sysctl.d/60-fleetfix-pipe.conf"
VM_DROPIN = "/etc/sysctl.d/90-fleetfix-vm.conf"
USB = {"name": "enx525400123499", "mac": inputs.USB_MAC, "permanent_mac": True, "addr_assign_type": "permanent",
       "devpath": "/sys/devices/pci0000:00/0000:00:07.0/usb1/1-1/1-1:1.0/net/enx525400123499",
       "id_path": "pci-0000:00:07.0-usb-0:1:1.0"}
MGMT = {"name": "ens2", "mac": "52:54:00:f1:ee:01", "permanent_mac": True, "addr_assign_type": "permanent",
        "devpath": "/sys/devices/pci0000:00/0000:00:02.0/virtio1/net/ens2", "id_path": "pci-0000:00:02.0"}
NET_SYSTEMS = {"netplan": {"present": True, "files": [], "renderer": "networkd"},
               "networkmanager": {"present": True, "running": True, "plugins": ["keyfile"]},
               "networkd": {"present": True, "running": True}, "ifupdown": {"present": True}, "ifcfg": {"present": True}}
NET_FACTS = {"interfaces": [MGMT, USB], "pins": [], "systems": NET_SYSTEMS}
CONFIG_SYSTEMS = ("ifupdown", "ifcfg", "netplan", "networkmanager", "networkd")
GOOD_ENTRY = {"name": "usbnet0", "mac": inputs.USB_MAC, "method": "static", "address": "192.0.2.10/24",
              "gateway": "192.0.2.1"}
VM_ARGS = {"fleetfix_vm_min_free_kbytes": "explicit_kb", "fleetfix_vm_min_free_percent": "percent",
           "fleetfix_vm_min_free_ceiling_kbytes": "ceiling_kb", "fleetfix_vm_min_free_safety_percent": "safety_percent",
           "fleetfix_vm_min_free_allow_lower": "allow_lower", "fleetfix_vm_watermark_scale_factor": "scale_factor"}


@pytest.fixture(name="vm_facts", scope="module")
def fixture_vm_facts():
    return memory.collect(os.path.join(REPO, "tests", "unit", "fixtures", "memory", "host-6.18"))


def refuse(variable, value, vm_facts):
    """Run one input through the filter (or module check) that stands for it; return the message."""
    if variable == "pipe_facts.write_size":
        with pytest.raises(pipe.PipeSettingError) as err:
            pipe.validate_write_size(value)
        return str(err.value)
    if variable.startswith("fleetfix_net_interfaces[]."):
        # the value would reach a different file with each system: refused the same way by all
        messages = set()
        for system in CONFIG_SYSTEMS:
            with pytest.raises(AnsibleFilterError) as err:
                persistent_net_plan(NET_FACTS, [dict(GOOD_ENTRY, **{variable.split(".", 1)[1]: value})],
                                    systemd_version=252, config_system=system)
            messages.add(str(err.value))
        assert len(messages) == 1, messages
        return messages.pop()
    with pytest.raises(AnsibleFilterError) as err:
        if variable == "fleetfix_pipe_sysctl_file":
            pipe_size_plan(PIPE_FACTS, 16777216, sysctl_file=value)
        elif variable == "fleetfix_pipe_max_size":
            pipe_size_plan(PIPE_FACTS, value, cap=2 ** 40, sysctl_file=PIPE_DROPIN)  # the cap raised: the kernel's limit
        elif variable == "fleetfix_pipe_user_pages_soft":
            pipe_size_plan(PIPE_FACTS, 16777216, user_pages_soft=value, sysctl_file=PIPE_DROPIN)
        elif variable == "fleetfix_pipe_max_size_cap":
            pipe_size_plan(PIPE_FACTS, 16777216, cap=value, sysctl_file=PIPE_DROPIN)
        elif variable == "fleetfix_vm_sysctl_file":
            vm_watermarks_plan(vm_facts, value)
        elif variable in VM_ARGS:
            vm_watermarks_plan(vm_facts, VM_DROPIN, **{VM_ARGS[variable]: value})
        elif variable == "fleetfix_net_config_system":
            persistent_net_plan(NET_FACTS, [GOOD_ENTRY], systemd_version=252, config_system=value)
        elif variable == "fleetfix_net_live_rename":
            persistent_net_plan(NET_FACTS, [GOOD_ENTRY], systemd_version=252, config_system="networkd", live_rename=value)
        elif variable.startswith("fleetfix_initramfs_"):
            initramfs_drivers_plan({"fleetfix_initramfs_drivers": ["mpt3sas"], "fleetfix_initramfs_kernels": [],
                                    "fleetfix_initramfs_build_timeout": 600, variable: value})
        elif variable == "fleetfix_net_interfaces":
            persistent_net_plan(NET_FACTS, value, systemd_version=252, config_system="ifupdown")
        else:
            raise AssertionError("no runner for %s" % variable)
    return str(err.value)


@pytest.mark.parametrize("variable, value, fragment", inputs.ALL,
                         ids=["%s=%s" % (case[0], json.dumps(case[1])[:40]) for case in inputs.ALL])
def test_hostile_role_variable_is_refused_naming_it(variable, value, fragment, vm_facts):
    message = refuse(variable, value, vm_facts)
    assert fragment in message, message
    named = variable.split(".")[-1] if variable.startswith(("pipe_facts.", "fleetfix_net_interfaces[].")) else variable
    assert named.split("[")[0] in message, message
    if variable.startswith("fleetfix_net_interfaces"):
        assert "fleetfix_net_interfaces" in message, message
    if not isinstance(value, (list, float)) and len(repr(value)) < 200:
        assert repr(value) in message or str(value) in message or json.dumps(value) in message, message


def test_at_least_60_hostile_role_variables_none_twice():
    keys = [repr(case[:2]) for case in inputs.ALL]
    assert len(keys) >= 60
    assert len(keys) == len(set(keys))


def test_the_good_values_pass(vm_facts):
    plan = persistent_net_plan(NET_FACTS, [GOOD_ENTRY], systemd_version=252, config_system="ifupdown")
    stanza = dict((f["path"], f["content"]) for f in plan["files"])["/etc/network/interfaces.d/fleetfix-usbnet0"]
    assert "    address 192.0.2.10/24\n    gateway 192.0.2.1\n" in stanza
    for system, line in (("netplan", '          via: "192.0.2.1"\n'), ("networkmanager", "address1=192.0.2.10/24,192.0.2.1\n"),
                         ("networkd", "Gateway=192.0.2.1\n")):
        content = persistent_net_plan(NET_FACTS, [GOOD_ENTRY], systemd_version=252, config_system=system)["files"][1]["content"]
        assert line in content, system
    assert pipe_size_plan(PIPE_FACTS, 2 ** 31, cap=2 ** 31, sysctl_file=PIPE_DROPIN)["sysctls"][0]["value"] == 2 ** 31
    assert vm_watermarks_plan(vm_facts, VM_DROPIN, percent="1.5", scale_factor="150")["sysctls"][1]["value"] == 150


# ---- through ansible-playbook --check on localhost: refused in Decide, before any Apply task

ANSIBLE_PLAYBOOK = os.path.join(REPO, ".venv", "bin", "ansible-playbook")
PLAYBOOK_CASES = [
    ("pipe_size", {"fleetfix_pipe_sysctl_file": "/etc/passwd"}, "fleetfix_pipe_sysctl_file='/etc/passwd' is not a sysctl drop-in"),
    ("pipe_size", {"fleetfix_pipe_max_size": 4294967296, "fleetfix_pipe_max_size_cap": 8589934592},
     "fleetfix_pipe_max_size=4294967296 is above the kernel's limit"),
    ("vm_watermarks", {"fleetfix_vm_min_free_percent": "nan"}, "fleetfix_vm_min_free_percent must be a finite number"),
    ("persistent_net", {"fleetfix_net_interfaces": [dict(GOOD_ENTRY, gateway="$(touch X)")]},
     "gateway '$(touch X)' is not an IP address"),
    ("persistent_net", {"fleetfix_net_interfaces": [{"name": "usbnet0", "match_current_name": "lo", "pin_by": "path",
                                                     "id_path": "pci-0000:00:07.0\n[Link]\nMTUBytes=68"}]},
     "is not a udev ID_PATH"),
]


def _collection_parent():
    import conftest  # pylint: disable=import-outside-toplevel
    return conftest._PARENT  # pylint: disable=protected-access


def _check_run(tmp_path, role, variables):
    """ansible-playbook --check of the role on localhost; returns (exit status, output)."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "all", "gather_facts": False, "roles": [
        {"role": "fleetfix.kernel." + role, "vars": variables}]}]))
    config = tmp_path / "ansible.cfg"
    config.write_text(u"[defaults]\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collection_parent(), ANSIBLE_CONFIG=str(config),
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home"))
    # The Gather modules (read-only) run on this machine with the Python running the tests.
    argv = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "--check", str(playbook),
            "-e", "ansible_python_interpreter=" + sys.executable]
    proc = subprocess.run(argv, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, check=False,
                          stderr=subprocess.STDOUT, timeout=300)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def _refused_in_decide(role, code, out):
    assert code != 0, out
    before_failure = out.split("fatal: [localhost]")[0]
    failing_task = before_failure.rsplit("TASK [", 1)[-1]
    assert failing_task.startswith("fleetfix.kernel.%s : Decide |" % role), out
    assert "Apply |" not in out and "Verify |" not in out, out


@pytest.mark.skipif(not os.path.exists(ANSIBLE_PLAYBOOK), reason="no ansible-playbook in the checkout's .venv")
@pytest.mark.parametrize("role, variables, message", PLAYBOOK_CASES, ids=[c[2][:40] for c in PLAYBOOK_CASES])
def test_check_run_on_localhost_refuses_before_any_write(tmp_path, role, variables, message):
    code, out = _check_run(tmp_path, role, variables)
    assert message in out, out
    _refused_in_decide(role, code, out)
    assert not os.path.exists(str(tmp_path / "X"))


@pytest.mark.skipif(not os.path.exists(ANSIBLE_PLAYBOOK), reason="no ansible-playbook in the checkout's .venv")
def test_auto_refuses_on_this_machine_where_nothing_configures_the_nic(tmp_path):
    """Issue 16, done when: on a host where neither ifupdown, initscripts, netplan, NetworkManager nor
    networkd configures the NIC, fleetfix_net_config_system: auto refuses under --check before
    writing, naming what it looked for. The NIC keeps its name (no rename: the Ansible connection's
    interface may be pinned as it is)."""
    from ansible_collections.fleetfix.kernel.plugins.module_utils import netif  # pylint: disable=import-outside-toplevel
    from ansible_collections.fleetfix.kernel.plugins.plugin_utils.net_plan import NAME  # pylint: disable=import-outside-toplevel
    facts = netif.collect("/")
    if "systems" not in facts:
        pytest.skip("net_iface_facts does not report the configuration systems (owner, systems) yet")
    unowned = [i for i in facts["interfaces"] if i.get("permanent_mac") and NAME.match(i["name"])
               and not i.get("owner") and not i.get("configured_by")]
    if not unowned:
        pytest.skip("every NIC of this machine is configured by something: not the host this test is about")
    name = unowned[0]["name"]
    code, out = _check_run(tmp_path, "persistent_net", {"fleetfix_net_interfaces": [
        {"name": name, "match_current_name": name}]})
    assert "no configuration system owns %s: looked for ifupdown, ifcfg, netplan, networkmanager, networkd; none " \
           "configures it or runs it" % name in out, out
    _refused_in_decide("persistent_net", code, out)
