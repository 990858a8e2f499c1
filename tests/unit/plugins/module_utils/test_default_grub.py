"""/etc/default/grub and its grub.d drop-ins, read as the shell sources them, and edited."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import default_grub
from ansible_collections.fleetfix.kernel.plugins.module_utils.grub_common import GrubParseError
from conftest import FIXTURES

GRUB = os.path.join(FIXTURES, "grub")


def read(name):
    """A fixture's text exactly as stored (CRLF kept)."""
    with io.open(os.path.join(GRUB, name), encoding="utf-8", newline="") as handle:
        return handle.read()


def test_centos7_default_grub():
    parsed = default_grub.parse_default_grub(read("centos7-default-grub"))
    assert parsed["settings"] == {
        "GRUB_TIMEOUT": "5",
        "GRUB_DISTRIBUTOR": "$(sed 's, release .*$,,g' /etc/system-release)",
        "GRUB_DEFAULT": "saved",
        "GRUB_DISABLE_SUBMENU": "true",
        "GRUB_TERMINAL_OUTPUT": "console",
        "GRUB_CMDLINE_LINUX": "crashkernel=auto spectre_v2=retpoline rd.lvm.lv=centos/root rd.lvm.lv=centos/swap "
                              "rhgb quiet intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1 iommu=pt "
                              "vfio-pci.ids=10de:1cb1,10de:0fb9",
        "GRUB_DISABLE_RECOVERY": "true",
    }
    assert parsed["order"] == ["GRUB_TIMEOUT", "GRUB_DISTRIBUTOR", "GRUB_DEFAULT", "GRUB_DISABLE_SUBMENU",
                               "GRUB_TERMINAL_OUTPUT", "GRUB_CMDLINE_LINUX", "GRUB_DISABLE_RECOVERY"]
    assert parsed["dynamic"] == ["GRUB_DISTRIBUTOR"]
    assert parsed["quoting"]["GRUB_DEFAULT"] == "none" and parsed["quoting"]["GRUB_CMDLINE_LINUX"] == "double"
    assert parsed["line"]["GRUB_CMDLINE_LINUX"] == 6
    assert parsed["unparsed"] == [] and parsed["exported"] == []


def test_rocky8_default_grub():
    parsed = default_grub.parse_default_grub(read("rocky8-default-grub"))
    assert parsed["settings"]["GRUB_ENABLE_BLSCFG"] == "true"
    assert parsed["settings"]["GRUB_CMDLINE_LINUX"] == ("resume=UUID=9c7383f6-7502-4245-b0b0-c52190b4c6e0 "
                                                        "net.ifnames=0 rhgb quiet")
    assert len(parsed["order"]) == 8 and parsed["unparsed"] == []


def test_debian12_default_grub_and_grub_d():
    files = [("/etc/default/grub", read("debian12-default-grub"))]
    for name in sorted(os.listdir(os.path.join(GRUB, "debian12-grub.d"))):
        files.append(("/etc/default/grub.d/" + name, read("debian12-grub.d/" + name)))
    main = default_grub.parse_default_grub(files[0][1])
    assert main["settings"] == {"GRUB_DEFAULT": "0", "GRUB_TIMEOUT": "5",
                                "GRUB_DISTRIBUTOR": "`lsb_release -i -s 2> /dev/null || echo Debian`",
                                "GRUB_CMDLINE_LINUX_DEFAULT": "quiet", "GRUB_CMDLINE_LINUX": ""}
    assert main["dynamic"] == ["GRUB_DISTRIBUTOR"] and main["unparsed"] == []
    eff = default_grub.effective_default_grub(files + [("/etc/default/grub.d/missing.cfg", None)])
    assert eff["settings"] == {
        "GRUB_DEFAULT": "0", "GRUB_TIMEOUT": "1", "GRUB_DISTRIBUTOR": main["settings"]["GRUB_DISTRIBUTOR"],
        "GRUB_CMDLINE_LINUX_DEFAULT": "", "GRUB_CMDLINE_LINUX": "console=ttyS0,115200", "GRUB_TERMINAL": "serial",
        "GRUB_SERIAL_COMMAND": "serial --unit=0 --speed=115200"}
    snippet = "/etc/default/grub.d/10-fleetfix-testhost.cfg"
    assert eff["origin"] == {"GRUB_DEFAULT": "/etc/default/grub", "GRUB_DISTRIBUTOR": "/etc/default/grub",
                             "GRUB_TIMEOUT": snippet, "GRUB_CMDLINE_LINUX_DEFAULT": snippet,
                             "GRUB_CMDLINE_LINUX": snippet, "GRUB_TERMINAL": snippet, "GRUB_SERIAL_COMMAND": snippet}
    assert eff["line"]["GRUB_TIMEOUT"] == 4
    assert eff["dynamic"] == ["GRUB_DISTRIBUTOR"] and eff["unparsed"] == []


def test_effective_default_grub_expands_variables_across_files():
    eff = default_grub.effective_default_grub([
        ("/etc/default/grub", 'GRUB_CMDLINE_LINUX="rhgb quiet"\nGRUB_DISTRIBUTOR=`echo x`\n'),
        ("/etc/default/grub.d/50-a.cfg", 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX root=UUID=abc"\n'
                                         'GRUB_DISTRIBUTOR=Fleet\nif true; then\nGRUB_TIMEOUT=9\nfi\n'),
    ])
    assert eff["settings"] == {"GRUB_CMDLINE_LINUX": "rhgb quiet root=UUID=abc", "GRUB_DISTRIBUTOR": "Fleet"}
    assert eff["origin"]["GRUB_CMDLINE_LINUX"] == "/etc/default/grub.d/50-a.cfg"
    assert eff["dynamic"] == []
    assert eff["unparsed"] == [{"path": "/etc/default/grub.d/50-a.cfg", "line": 3, "text": "if true; then"},
                               {"path": "/etc/default/grub.d/50-a.cfg", "line": 4, "text": "GRUB_TIMEOUT=9"},
                               {"path": "/etc/default/grub.d/50-a.cfg", "line": 5, "text": "fi"}]


# --------------------------------------------------------------------------- /etc/default/grub

def test_odd_default_grub():
    parsed = default_grub.parse_default_grub(read("odd-default-grub"), "/etc/default/grub")
    assert parsed["settings"] == {
        "GRUB_DEFAULT": "saved",
        "GRUB_TIMEOUT": "10",
        "GRUB_DISABLE_SUBMENU": "y",
        "GRUB_CMDLINE_LINUX": "root=/dev/sda1 console=ttyS0,115200n8 crashkernel=auto rd.lvm.lv=vg/root",
        "GRUB_CMDLINE_LINUX_DEFAULT": "quiet $NOT_EXPANDED",
        "GRUB_GFXMODE": "auto",
        "GRUB_GFXPAYLOAD_LINUX": "keep",
        "GRUB_TERMINAL": "console",
        "GRUB_SERIAL_COMMAND": "serial --unit=0",
        "GRUB_DISTRIBUTOR": "`lsb_release -i -s 2> /dev/null || echo Debian`",
        "GRUB_EMPTY": "",
        "GRUB_MULTI": "first line\nsecond line",
        "GRUB_ESCAPED": 'a "b" $c \\ d',
        "GRUB_MIXED": "doublesingleunquoted",
    }
    assert parsed["line"]["GRUB_TIMEOUT"] == 5 and parsed["line"]["GRUB_CMDLINE_LINUX"] == 9
    assert parsed["quoting"]["GRUB_TIMEOUT"] == "single" and parsed["quoting"]["GRUB_MIXED"] == "mixed"
    assert parsed["exported"] == ["GRUB_DISABLE_SUBMENU", "GRUB_ENABLE_CRYPTODISK"]
    assert parsed["dynamic"] == ["GRUB_DISTRIBUTOR"]
    assert parsed["unparsed"] == [
        {"line": 13, "text": "GRUB_BADRAM=0x01234567 some-command"},
        {"line": 14, "text": "if [ -e /etc/fleetfix ]; then"},
        {"line": 15, "text": "GRUB_TIMEOUT=0"},
        {"line": 16, "text": "fi"},
    ]


def test_default_grub_env_from_files_sourced_before():
    parsed = default_grub.parse_default_grub('GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} quiet"\nX=${UNSET:-dflt}\n',
                                             env={"GRUB_CMDLINE_LINUX": "ro"})
    assert parsed["settings"] == {"GRUB_CMDLINE_LINUX": "ro quiet", "X": "${UNSET:-dflt}"}
    assert parsed["dynamic"] == ["X"]


def test_broken_default_grub_names_file_and_line():
    with pytest.raises(GrubParseError) as err:
        default_grub.parse_default_grub(read("broken-default-grub"), "/etc/default/grub")
    assert str(err.value) == "/etc/default/grub, line 3: unterminated double quote"
    with pytest.raises(GrubParseError) as err:
        default_grub.parse_default_grub("A=1\nB='x\n", "/etc/default/grub.d/x.cfg")
    assert str(err.value) == "/etc/default/grub.d/x.cfg, line 2: unterminated single quote"


# --------------------------------------------------------------------------- set_default_grub_value

def test_set_default_grub_value_keeps_double_quotes():
    text = read("centos7-default-grub")
    new = default_grub.set_default_grub_value(text, "GRUB_CMDLINE_LINUX", "crashkernel=auto rd.lvm.lv=centos/root rhgb quiet")
    assert new == text.replace(
        'GRUB_CMDLINE_LINUX="crashkernel=auto spectre_v2=retpoline rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet '
        'intel_iommu=on vfio_iommu_type1.allow_unsafe_interrupts=1 iommu=pt vfio-pci.ids=10de:1cb1,10de:0fb9"',
        'GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=centos/root rhgb quiet"')
    assert default_grub.set_default_grub_value(new, "GRUB_CMDLINE_LINUX", "crashkernel=auto rd.lvm.lv=centos/root rhgb quiet") == new
    assert default_grub.set_default_grub_value(text, "GRUB_TERMINAL_OUTPUT", "serial").count('GRUB_TERMINAL_OUTPUT="serial"\n') == 1


def test_set_default_grub_value_unquoted_and_single_quoted():
    text = read("centos7-default-grub")
    assert default_grub.set_default_grub_value(text, "GRUB_DEFAULT", "0") == text.replace("GRUB_DEFAULT=saved\n", "GRUB_DEFAULT=0\n")
    # An unquoted value that now needs quotes gets double quotes.
    assert "GRUB_DEFAULT=\"Advanced options>CentOS Linux\"\n" in default_grub.set_default_grub_value(
        text, "GRUB_DEFAULT", "Advanced options>CentOS Linux")
    odd = read("odd-default-grub")
    new = default_grub.set_default_grub_value(odd, "GRUB_TIMEOUT", 20)
    # The last active assignment (line 5), not the commented ones nor the one inside if/fi.
    assert new == odd.replace("GRUB_TIMEOUT='10'   # trailing comment", "GRUB_TIMEOUT='20'   # trailing comment")
    assert "  GRUB_TIMEOUT=0\n" in new and "  # GRUB_TIMEOUT=99 indented comment\n" in new
    # A single quote inside the value cannot be single-quoted.
    assert "GRUB_TIMEOUT=\"it's\"   #" in default_grub.set_default_grub_value(odd, "GRUB_TIMEOUT", "it's")
    assert default_grub.parse_default_grub(new)["settings"]["GRUB_TIMEOUT"] == "20"


def test_set_default_grub_value_replaces_the_last_assignment_only():
    odd = read("odd-default-grub")
    new = default_grub.set_default_grub_value(odd, "GRUB_CMDLINE_LINUX", 'root=UUID=abc "x" $HOME')
    assert 'GRUB_CMDLINE_LINUX="root=/dev/sda1 console=ttyS0,115200n8 \\\ncrashkernel=auto"\n' in new
    assert 'GRUB_CMDLINE_LINUX="root=UUID=abc \\"x\\" \\$HOME"\n' in new
    assert default_grub.parse_default_grub(new)["settings"]["GRUB_CMDLINE_LINUX"] == 'root=UUID=abc "x" $HOME'
    # A value spanning lines is replaced whole.
    multi = default_grub.set_default_grub_value(odd, "GRUB_MULTI", "one")
    assert 'GRUB_MULTI="one"\nexport GRUB_ENABLE_CRYPTODISK\n' in multi
    # Two assignments on one line: only the asked one changes.
    assert "GRUB_GFXMODE=1024x768 GRUB_GFXPAYLOAD_LINUX=keep\n" in default_grub.set_default_grub_value(
        odd, "GRUB_GFXMODE", "1024x768")
    # Mixed quoting becomes double quotes; a backquoted value becomes a literal.
    assert 'GRUB_MIXED="plain"\n' in default_grub.set_default_grub_value(odd, "GRUB_MIXED", "plain")
    assert "GRUB_DISTRIBUTOR=Fleet\n" in default_grub.set_default_grub_value(odd, "GRUB_DISTRIBUTOR", "Fleet")


def test_set_default_grub_value_appends_absent_keys():
    deb = read("debian12-default-grub")
    new = default_grub.set_default_grub_value(deb, "GRUB_DISABLE_LINUX_UUID", True)
    # The commented-out "#GRUB_DISABLE_LINUX_UUID=true" stays as it is; the setting goes last.
    assert new == deb + "GRUB_DISABLE_LINUX_UUID=true\n"
    assert default_grub.set_default_grub_value(new, "GRUB_DISABLE_LINUX_UUID", "true") == new
    assert default_grub.set_default_grub_value("A=1", "B", "x y") == 'A=1\nB="x y"\n'
    assert default_grub.set_default_grub_value("", "B", "") == 'B=""\n'
    assert default_grub.set_default_grub_value("A=1\r\n", "B", "2") == "A=1\r\nB=2\r\n"
    assert default_grub.set_default_grub_value("A='1'\r\nC=3\r\n", "A", "2") == "A='2'\r\nC=3\r\n"
    with pytest.raises(ValueError):
        default_grub.set_default_grub_value(deb, "NOT-A-NAME", "x")


def test_long_files_scan_in_linear_time():
    # once quadratic: every continuation line re-sliced the statement, every chain the rest of the file
    text = "GRUB_CMDLINE_LINUX=quiet\\\n" * 20000 + "A=1 " * 20000 + "\nB=2\r"
    parsed = default_grub.parse_default_grub(text, "/etc/default/grub")
    assert parsed["settings"]["A"] == "1" and parsed["settings"]["B"] == "2"
    many = "".join("K%d=$K%d\nexport K%d\n" % (n, n - 1, n) for n in range(20000))
    parsed = default_grub.effective_default_grub([("/etc/default/grub", many), ("/etc/default/grub.d/a.cfg", many)])
    assert len(parsed["order"]) == 20000 and parsed["origin"]["K5"] == "/etc/default/grub.d/a.cfg"


def test_dynamic_and_exported_keep_their_order():
    parsed = default_grub.parse_default_grub('A=$(x)\nB=`y`\nexport B A\nA=1\nC="$(z)"\n', "/etc/default/grub")
    assert parsed["dynamic"] == ["B", "C"] and parsed["exported"] == ["B", "A"]
    files = [("/etc/default/grub", "A=$(x)\nB=$(y)\n"), ("/etc/default/grub.d/a.cfg", "A=1\n")]
    assert default_grub.effective_default_grub(files)["dynamic"] == ["B"]


def test_unterminated_command_substitution_names_file_and_line():
    with pytest.raises(GrubParseError) as err:
        default_grub.parse_default_grub('A=1\nGRUB_CMDLINE_LINUX="$(echo a"\n', "/etc/default/grub.d/x.cfg")
    assert str(err.value).startswith("/etc/default/grub.d/x.cfg, line 2: unterminated '$('")
