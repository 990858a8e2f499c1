# -*- coding: utf-8 -*-
"""Plan == write, byte for byte (issue 13): a property over every GRUB fixture and seeded variants.

GRUB legacy: for every grub.conf fixture and 25 variants of each (titles in UTF-8, Latin-1 and
invalid UTF-8, CRLF, tabs, comments holding kernel lines, mixed root= kinds, several root= on
a line, init's root= after '--', kernel= and --type= forms, a second kernel line, no final
newline), with keep_kinds [lvm] and []: grub_set_root --check --diff announces bytes (the diff
and checksum.after), the real run writes bytes, and an oracle that knows what it generated says
what they must be; every line it leaves alone is byte-identical. The same plain check
(tests/py27/library/grub_bytes_check.py) runs under a local python2.7 when there is one, and on
the Python 2.7 VM of tests/py27.

GRUB 2: for every grub.cfg fixture that parses and variants of it, the real run writes exactly
the bytes grub-mkconfig generated (non-UTF-8 ones included) and --diff shows exactly them.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import grub_legacy
from ansible_collections.fleetfix.kernel.plugins.modules import grub_set_root
from conftest import FIXTURES, REPO

sys.path.insert(0, os.path.join(REPO, "tests", "py27", "library"))
import grub_bytes_check as prop  # noqa: E402

from test_grub_set_root import Host, diff_bytes, grub2_tools, run  # noqa: E402,F401 pylint: disable=unused-import

GRUB = os.path.join(FIXTURES, "grub")
LEGACY_FIXTURES = ("centos6-lvm-grub.conf", "centos6-typo-grub.conf", "centos6-uuid-grub.conf", "rhel6-lvm-grub.conf")
GRUB2_FIXTURES = ("amzn2-grub2.cfg", "centos7-grub.cfg", "debian12-grub.cfg", "debian12-nouuid-grub.cfg",
                  "rocky8-grub.cfg", "weird-quoting-grub.cfg")
SEED = 13
COUNT = 25
UUID = prop.WANTED[len("UUID="):]


def fixtures(names):
    out = {}
    for name in names:
        with open(os.path.join(GRUB, name), "rb") as handle:
            out[name] = handle.read()
    return out


def sha(data):
    return hashlib.sha256(data).hexdigest()


def test_every_legacy_fixture_is_covered():
    legacy = sorted(os.path.basename(p) for p in glob.glob(os.path.join(GRUB, "*.conf")))
    # the one left out is refused (kernel before title): test_grub_set_root covers it
    assert sorted(LEGACY_FIXTURES + ("legacy-kernel-before-title.conf",)) == legacy
    cfgs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(GRUB, "*.cfg")))
    assert sorted(GRUB2_FIXTURES + ("stray-brace-grub.cfg", "unclosed-menuentry-grub.cfg")) == cfgs


def test_the_generator_makes_what_the_property_needs():
    cases = prop.variants(fixtures(LEGACY_FIXTURES), SEED, COUNT)
    assert len(cases) == len(LEGACY_FIXTURES) * COUNT
    blob = b"".join(data for _name, data, _expected in cases)
    for needle in (b"\xe2\x80\x94", b"caf\xe9", b"\xc3\x28", b"\x85\xa0", b"\r\n", b"\tkernel", b"#\tkernel",
                   b"kernel=", b"--type=linux", b" -- root=/dev/init", b'"root=', b"root=/dev/mapper/", b"root=LABEL="):
        assert needle in blob, needle
    assert any(not data.endswith(b"\n") for _name, data, _expected in cases)
    assert any(data.count(b" root=") + data.count(b"\troot=") > data.count(b"kernel") for _n, data, _e in cases)
    # the oracle changes something, and keep_kinds [lvm] changes less than []
    changed = [(e[("lvm",)] != d, e[()] != d, e[("lvm",)] != e[()]) for _n, d, e in cases]
    assert all(any(flags[i] for flags in changed) for i in range(3))


def test_legacy_plan_equals_write_through_grub_set_root(tmp_path, monkeypatch, capsys):
    root = str(tmp_path / "host")
    monkeypatch.setattr(grub_set_root, "HOST_ROOT", root)
    state = {}

    def fresh(data):
        shutil.rmtree(root, ignore_errors=True)
        state["host"] = Host(root)
        state["host"].put("/boot/grub/grub.conf", data)

    def plan(data, keep):
        fresh(data)
        code, result = run({"uuid": UUID, "keep_kinds": list(keep)}, capsys, check=True, diff=True)
        assert code == 0, result
        predicted = diff_bytes(result) if result["changed"] else data
        assert result["checksum"] == {"before": sha(data), "after": sha(predicted)}
        assert state["host"].get("/boot/grub/grub.conf") == data
        return predicted

    def write(data, predicted, keep):
        code, result = run({"uuid": UUID, "keep_kinds": list(keep)}, capsys, diff=True)
        assert code == 0, result
        written = state["host"].get("/boot/grub/grub.conf")
        assert result["checksum"]["after"] == sha(written)
        if result["changed"]:
            assert diff_bytes(result) == written
        return written

    checked, problems = prop.run_property(fixtures(LEGACY_FIXTURES), SEED, COUNT, plan, write)
    assert checked == len(LEGACY_FIXTURES) * COUNT * 2
    assert problems == []


def test_legacy_plan_equals_oracle_in_module_utils():
    # the planner alone, more variants (it is fast)
    checked, problems = prop.run_property(
        fixtures(LEGACY_FIXTURES), SEED + 1, 150,
        lambda data, keep: grub_legacy.plan_root_legacy(data, prop.WANTED, list(keep))["data"],
        lambda data, predicted, keep: predicted)
    assert checked == len(LEGACY_FIXTURES) * 150 * 2 and problems == []


def test_check_edit_reports_each_broken_promise():
    original = b"title a\nkernel /v root=/dev/sda1\ntitle b\nkernel /v root=/dev/sdb1\n"
    expected = original.replace(b"/dev/sda1", prop.WANTED.encode())
    assert prop.check_edit(original, expected, expected, expected) == []
    assert prop.check_edit(original, expected, original, original)[0].startswith("planned bytes differ from the oracle at lines [2]")
    assert prop.check_edit(original, expected, expected, expected + b"x") == [
        "written bytes differ from the planned ones at lines [5]", "lines the edit must leave alone changed: [5]"]
    broken = expected.replace(b"/dev/sdb1", b"/dev/sdb2")
    assert prop.check_edit(original, expected, broken, broken)[-1] == "lines the edit must leave alone changed: [4]"


# --------------------------------------------------------------------------- the same under Python 2.7

def _python27():
    candidates = [os.environ.get("FLEETFIX_PYTHON27"), shutil.which("python2.7")]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/2.7*/bin/python2.7")))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            out = subprocess.run(check=False, args=[candidate, "-c", "import sys; print(sys.version_info[0:2])"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, timeout=30)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == b"(2, 7)":
            return candidate
    return None


PY27_DRIVER = r'''
import json, sys
sys.path[0:0] = [sys.argv[1], sys.argv[2]]
import grub_bytes_check as prop
from ansible_collections.fleetfix.kernel.plugins.module_utils import grub_legacy
names = sys.argv[4:]
fixtures = {}
for name in names:
    with open(sys.argv[3] + "/" + name, "rb") as handle:
        fixtures[name] = handle.read()
written = sys.argv[3] + "/../written"

def write(data, predicted, keep):
    with open(written, "wb") as handle:
        handle.write(predicted)
    with open(written, "rb") as handle:
        return handle.read()

checked, problems = prop.run_property(fixtures, %(seed)d, %(count)d,
    lambda data, keep: grub_legacy.plan_root_legacy(data, prop.WANTED, list(keep))["data"], write)
print(json.dumps({"checked": checked, "problems": problems[:10], "python": list(sys.version_info[:2]),
                  "digest": prop.digest(prop.variants(fixtures, %(seed)d, %(count)d))}))
'''


def _py2_tree(tmp_path):
    """module_utils as Python 2.7 imports them: packages need __init__.py (AnsiballZ adds them)."""
    top = tmp_path / "py27"
    package = top / "ansible_collections" / "fleetfix" / "kernel" / "plugins" / "module_utils"
    package.mkdir(parents=True)
    for level in (package, package.parent, package.parent.parent, package.parent.parent.parent, package.parent.parent.parent.parent):
        (level / "__init__.py").write_text(u"")
    for source in glob.glob(os.path.join(REPO, "plugins", "module_utils", "*.py")):
        shutil.copy(source, str(package))
    return str(top)


@pytest.mark.skipif(_python27() is None, reason="no python2.7 here (the py27 matrix runs this on its VM)")
def test_the_legacy_property_holds_under_python27(tmp_path):
    data_dir = tmp_path / "fixtures"
    data_dir.mkdir()
    for name in LEGACY_FIXTURES:
        shutil.copy(os.path.join(GRUB, name), str(data_dir))
    driver = tmp_path / "driver.py"
    driver.write_text(PY27_DRIVER % {"seed": SEED, "count": COUNT})
    argv = [_python27(), "-B", str(driver), _py2_tree(tmp_path), os.path.join(REPO, "tests", "py27", "library"),
            str(data_dir)] + list(LEGACY_FIXTURES)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False,
                          timeout=300, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    result = json.loads(proc.stdout.decode("utf-8"))
    assert result["python"] == [2, 7]
    assert (result["checked"], result["problems"]) == (len(LEGACY_FIXTURES) * COUNT * 2, [])
    # the same variants as under Python 3: the same property was checked
    assert result["digest"] == prop.digest(prop.variants(fixtures(LEGACY_FIXTURES), SEED, COUNT))


# --------------------------------------------------------------------------- GRUB 2: the generator's bytes, exactly

def grub2_variants(data, seed):
    rng = prop.Rng(seed)
    out = []
    for number in range(6):
        text = data
        if rng.chance(0.5):
            text = text.replace(b"menuentry '", b"menuentry '\xe9\xe2\x80\x94\xff ", 1)
        if rng.chance(0.5):
            text = text.replace(b"\n    ", b"\n\t")
        if rng.chance(0.5):
            text = b"# \x85\xa0 caf\xe9 # linux /vmlinuz root=/dev/sda1\n" + text
        if number % 3 == 0:
            text = text.replace(b"\n", b"\r\n")
        out.append(text)
    return out


@pytest.mark.parametrize("name", GRUB2_FIXTURES)
def test_grub2_writes_exactly_the_generated_bytes(name, tmp_path, monkeypatch, capsys, grub2_tools):
    import re
    root = str(tmp_path / "host")
    monkeypatch.setattr(grub_set_root, "HOST_ROOT", root)
    for number, before in enumerate(grub2_variants(fixtures([name])[name], SEED + len(name))):
        shutil.rmtree(root, ignore_errors=True)
        host = Host(root)
        host.put("/boot/grub/grub.cfg", before)
        generated = re.sub(br'root=[^ \t\r\n"\']*', b"root=" + prop.WANTED.encode(), before)
        grub2_tools["data"] = generated
        code, result = run({"uuid": UUID}, capsys, diff=True)
        assert code == 0, (number, result)
        if not result["changed"]:
            assert host.get("/boot/grub/grub.cfg") == before  # nothing to fix (rocky8: BLS entries absent here)
            continue
        written = host.get("/boot/grub/grub.cfg")
        assert written == generated and diff_bytes(result) == generated
        assert result["checksum"] == {"before": sha(before), "after": sha(generated)}
