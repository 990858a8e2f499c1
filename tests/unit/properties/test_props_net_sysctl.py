"""Properties of the sysctl.d, udev rules, .link, os-release, netplan YAML and kernel release parsers.

Each parser property: near-valid input (a real line with its key or value mutated) mixed with
arbitrary text or bytes either parses or is refused with HostReadError (contract.parses_or_refuses);
on top of that, what every parse must hold (line numbers, warnings naming the file, no
non-ASCII digit taken for a number). kernel_release: parse and compare never raise, compare is
antisymmetric and transitive on generated releases and sorting is total. netplan YAML (the
subset reader, issue 16): a generated document written in any mix of the styles netplan files use
reads back as itself, and PyYAML reads it the same; mutated documents parse or are refused with
YamlError naming the file and a line of it - and whatever the reader accepts, PyYAML (a test-only
oracle: the managed host has no YAML library) reads to the same value.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import random
import re
import shutil
import tempfile

import yaml
from hypothesis import given, settings, strategies as st

from ansible_collections.fleetfix.kernel.plugins.module_utils import host_platform, kernel_release, netif, sysctl_d
from contract import parses_or_refuses

KEYS = ["vm.min_free_kbytes", "vm.watermark_scale_factor"]
# Characters that pass str.isdigit() or int() without being ASCII digits, and other traps.
TRAPS = [u"\u00b2", u"\u0663", u"\u07c0", u"\uff11", u"\u2075", u"\u00a0", u"\u200b", u"\x00", u"\r", u"\x85", u"\u2028",
         u"\ufffd", u"=", u"-", u"/", u".", u"#", u";", u" ", u"\t", u'"', u"\\", u"{", u"}", u","]


def mutated(draw, base, chars=None, least=0):
    """``base`` with ``least`` to 3 characters inserted, replaced or dropped (drawn from
    ``chars``: traps, or anything, by default)."""
    text = list(base)
    chars = chars if chars is not None else st.one_of(st.sampled_from(TRAPS), st.characters())
    for _step in range(draw(st.integers(least, 3))):
        char = draw(chars)
        where = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "replace", "drop"]))
        if action == "insert" or not text:
            text.insert(where, char)
        elif action == "replace":
            text[min(where, len(text) - 1)] = char
        else:
            del text[min(where, len(text) - 1)]
    return u"".join(text)


def to_bytes(draw, lines):
    """Join text lines with drawn line ends into bytes, maybe with invalid UTF-8 spliced in."""
    ends = st.sampled_from([b"\n", b"\r\n", b"\r", b"\x00", b"\n\r", b""])
    data = b"".join(line.encode("utf-8", "surrogatepass") + draw(ends) for line in lines)
    if draw(st.booleans()):
        junk = draw(st.binary(max_size=40))
        where = draw(st.integers(0, len(data)))
        data = data[:where] + junk + data[where:]
    return data


# --- sysctl.d -------------------------------------------------------------------------------

SYSCTL_VALUES = st.one_of(
    st.integers(-2 ** 70, 2 ** 70).map(str),
    st.sampled_from([u"65536", u"0x10", u"010", u"08", u"\u0663\u0664", u"\u00b2", u"1e3", u"5 6", u"", u" 7 ",
                     u"9" * 5000, u"-0", u"+5", u"0x", u"65536 # note"]),
    st.text(max_size=30),
)


@st.composite
def sysctl_files(draw):
    lines = []
    for _index in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["assignment", "comment", "text"]))
        if kind == "assignment":
            key = draw(st.sampled_from(KEYS + ["-vm.min_free_kbytes", "vm/watermark_scale_factor", "vm..min_free_kbytes",
                                               u"net.ipv4.conf.eth0/100.rp_filter", u"kernel.sysrq"]))
            sep = draw(st.sampled_from([u" = ", u"=", u"\t=\t", u" ", u"==", u"= ="]))
            line = draw(st.sampled_from([u"", u"  "])) + mutated(draw, key) + sep + mutated(draw, draw(SYSCTL_VALUES))
        elif kind == "comment":
            line = draw(st.sampled_from([u"#", u";", u"  #"])) + draw(st.text(max_size=30))
        else:
            line = draw(st.text(max_size=40))
        lines.append(line)
    return to_bytes(draw, lines)


@given(sysctl_files(), st.sampled_from(sorted(sysctl_d.ORDERS)))
def test_sysctl_file_parses_or_refuses(data, order):
    skipped = []
    status, result = parses_or_refuses(sysctl_d.parse_conf, data, order, skipped)
    assert status == "ok"  # parse_conf skips what the tools skip: it never refuses a file
    numbers = [number for number, _key, _value in result]
    assert numbers == sorted(numbers) and all(number >= 1 for number in numbers)
    for _number, key, value in result:
        assert not key.startswith("-") and ".." not in key
        assert value == value.strip(" \t\n\r")
        refused = sysctl_d.kernel_refuses(key, value)
        if key in sysctl_d.KERNEL_INTS and refused is None:
            low, high = sysctl_d.KERNEL_INTS[key]
            assert low <= sysctl_d.kernel_int(value, low, high) <= high
    for item in skipped:
        assert item["line"] >= 1 and item["reason"]


@given(st.text(alphabet=u"0123456789\u00b2\u0663\u07c0\uff11xX+- \t", max_size=30))
def test_only_ascii_digits_are_kernel_integers(value):
    number = sysctl_d.kernel_int(value, -2 ** 70, 2 ** 70)
    if any(char in value for char in u"\u00b2\u0663\u07c0\uff11"):
        head = value.split(None, 1)[0] if value.split() else value
        if any(char in head for char in u"\u00b2\u0663\u07c0\uff11"):
            assert number is None
    if number is not None:
        assert -2 ** 64 < number < 2 ** 64


def plant(files):
    root = tempfile.mkdtemp(prefix="fleetfix-props-")
    for path, data in files.items():
        full = os.path.join(root, path.lstrip("/"))
        if not os.path.isdir(os.path.dirname(full)):
            os.makedirs(os.path.dirname(full))
        with open(full, "wb") as handle:
            handle.write(data)
    return root


OS_RELEASES = [
    u'NAME="CentOS Linux"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n',
    u'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n',
    u"ID='rocky'\nID_LIKE='rhel centos fedora'\nVERSION_ID='9.4'\n",
    u'ID=amzn\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"\n',
]
REDHAT_RELEASES = [u"CentOS release 6.10 (Final)\n", u"Red Hat Enterprise Linux Server release 6.10 (Santiago)\n"]


@st.composite
def os_release_files(draw):
    lines = mutated(draw, draw(st.sampled_from(OS_RELEASES))).split(u"\n")
    lines += [draw(st.text(max_size=30)) for _index in range(draw(st.integers(0, 2)))]
    return to_bytes(draw, lines)


@given(os_release_files())
def test_os_release_parses(data):
    status, fields = parses_or_refuses(host_platform.parse_os_release_lines, data)
    assert status == "ok"
    for key, (_value, number) in fields.items():
        assert host_platform._OS_KEY.match(key) and number >= 1


@settings(max_examples=60)
@given(sysctl_files(), st.one_of(st.none(), os_release_files()),
       st.one_of(st.none(), st.builds(lambda text: mutated_text(text),  # pylint: disable=unnecessary-lambda
                                      st.sampled_from(REDHAT_RELEASES))))  # (defined below: called late)
def test_boot_values_on_a_fake_root_parse_or_refuse(dropin, release, redhat):
    files = {"/etc/sysctl.d/50-x.conf": dropin, "/etc/sysctl.conf": dropin[::-1]}
    if release is not None:
        files["/etc/os-release"] = release
    if redhat is not None:
        files["/etc/redhat-release"] = redhat
    root = plant(files)
    try:
        status, result = parses_or_refuses(sysctl_d.boot_values, root, KEYS)
    finally:
        shutil.rmtree(root)
    if status == "refused":
        assert "release" in result  # only the release files are refused; sysctl lines are skipped
        return
    for key in KEYS:
        values = result[key]
        accepted = [entry for entry in values["assignments"] if entry["accepted"]]
        assert values["value"] == (accepted[-1]["value"] if accepted else None)
        assert all("/etc/sysctl" in warning for warning in values["warnings"])


def mutated_text(text):
    rng = random.Random(text)
    chars = list(text)
    chars[rng.randrange(len(chars))] = rng.choice(TRAPS)
    return u"".join(chars).encode("utf-8")


# --- udev rules and .link files -------------------------------------------------------------

RULE_KEYS = ['SUBSYSTEM=="net"', 'ACTION=="add"', 'DRIVERS=="?*"', 'ATTR{address}=="00:0e:c6:00:00:03"',
             'ATTR{dev_id}=="0x0"', 'ATTR{type}=="1"', 'KERNEL=="eth*"', 'KERNELS=="1-1:1.0"', 'ENV{ID_PATH}=="pci-0000:00:03.0"',
             'NAME="eth3"', 'NAME:="lan0"', 'NAME+="usbnet0"', 'NAME=e"\\x41"', 'NAME=i"x"', 'RUN+="/bin/true"', 'TAG+="systemd"']


@st.composite
def udev_files(draw):
    lines = []
    for _index in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["rule", "rule", "continued", "comment", "text"]))
        if kind in ("rule", "continued"):
            tokens = [mutated(draw, token) if draw(st.booleans()) else token
                      for token in draw(st.lists(st.sampled_from(RULE_KEYS), min_size=1, max_size=6))]
            sep = draw(st.sampled_from([u", ", u",", u" ", u",,"]))
            if kind == "continued":
                lines += [sep.join(tokens[:1]) + u", \\", u"  " + sep.join(tokens[1:])]
                continue
            lines.append(sep.join(tokens))
        elif kind == "comment":
            lines.append(u"# " + draw(st.text(max_size=30)))
        else:
            lines.append(draw(st.text(max_size=40)))
    return to_bytes(draw, lines)


@given(udev_files())
def test_udev_rules_parse_or_refuse(data):
    warnings = []
    status, pins = parses_or_refuses(netif.parse_udev_rules, data, "/etc/udev/rules.d/70-persistent-net.rules", warnings)
    assert status == "ok"  # udev skips what it cannot read: so does the parser, with a warning
    for pin in pins:
        assert pin["name"] not in ("", "%k") and pin["line"] >= 1
        assert pin["mac"] is None or pin["mac"] == pin["mac"].lower()
    assert all(warning.startswith("/etc/udev/rules.d/70-persistent-net.rules") for warning in warnings)


@given(st.lists(st.sampled_from([t for t in RULE_KEYS if not t.startswith("NAME")]), max_size=5),
       st.sampled_from(["eth3", "lan0", "usbnet0", "enx00e04c680001"]))
def test_a_valid_rule_is_one_pin(matches, name):
    rule = ", ".join(matches + ['NAME="%s"' % name])
    pins = netif.parse_udev_rules(rule + "\n", "x.rules")
    assert [(pin["name"], pin["line"]) for pin in pins] == [(name, 1)]


@st.composite
def link_files(draw):
    lines = [mutated(draw, line) if draw(st.booleans()) else line for line in draw(st.lists(st.one_of(
        st.sampled_from([u"[Match]", u"[Link]", u"MACAddress=AA:BB:CC:DD:EE:FF", u"Name=uplink0", u"Path=pci-0000:00:03.0",
                         u"# c", u"Name=\\", u"[Link"]), st.text(max_size=30)), max_size=8))]
    return to_bytes(draw, lines)


@given(link_files())
def test_link_files_parse_or_refuse(data):
    warnings = []
    status, pins = parses_or_refuses(netif.parse_link_file, data, "/etc/systemd/network/10-x.link", warnings)
    assert status == "ok"
    for pin in pins:
        assert netif.ifname_valid(pin["name"])
    assert all(warning.startswith("/etc/systemd/network/10-x.link") for warning in warnings)


@given(st.one_of(st.sampled_from([u"0", u"1", u"3", u"\u00b2", u"\u0663", u"", u"256", u"-1", u"9" * 5000]),
                 st.text(max_size=10)),
       st.one_of(st.sampled_from([u"2", u"0", u"../../etc/passwd", u"\u0663"]), st.text(max_size=10)))
def test_sysfs_attributes_parse_or_refuse(addr_assign_type, ifindex):
    devdir = "/sys/devices/pci0000:00/0000:00:03.0/net/eth0"
    root = plant({devdir + "/addr_assign_type": addr_assign_type.encode("utf-8", "surrogatepass"),
                  devdir + "/ifindex": ifindex.encode("utf-8", "surrogatepass"),
                  devdir + "/address": b"52:54:00:12:34:56\n", devdir + "/operstate": b"up\n"})
    os.makedirs(os.path.join(root, "sys", "class", "net"))
    os.symlink("../../devices/pci0000:00/0000:00:03.0/net/eth0", os.path.join(root, "sys", "class", "net", "eth0"))
    try:
        status, result = parses_or_refuses(netif.collect, root)
    finally:
        shutil.rmtree(root)
    if status == "ok":
        aat = result["interfaces"][0]["addr_assign_type"]
        assert aat in ("permanent", "random", "stolen", "set") or (isinstance(aat, int) and 0 <= aat <= 255)
        text = addr_assign_type.strip(" \t\n\r\f\v")
        assert text and all(char in "0123456789" for char in text)
    else:
        assert "/sys/class/net/eth0/" in result


# --- netplan YAML ---------------------------------------------------------------------------

YAML_WORDS = [u"network", u"ethernets", u"eth0", u"enp0s1", u"match", u"macaddress", u"set-name", u"dhcp4", u"routes",
              u"to", u"via", u"addresses", u"NM-ff9d6ebc-226d-4f82-a485-b7ff83b9607f", u"ipv4.route4_options"]
YAML_SCALARS = st.one_of(
    st.sampled_from([u"true", u"2", u"52:54:00:12:34:56", u"192.0.2.10/24", u"fe80::1/64", u"default", u"a b", u"x#y",
                     u"it's", u'say "hi"', u"~", u"", u"-1", u"50%", u"[x]", u"key: value", u"# not a comment", u"\u00e9t\u00e9",
                     u" lead", u"trail ", u"@at", u"a\tb", u"\u2603"]),
    st.text(alphabet=u"abcXYZ019 _-./:#'\"\\[]{},&*!|>%@`?\t\u00e9", max_size=12))
YAML_KEYS = st.one_of(st.sampled_from(YAML_WORDS), st.text(alphabet=u"abcXYZ019_-./", min_size=1, max_size=10))
YAML_DOCUMENTS = st.recursive(
    YAML_SCALARS | st.none(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(YAML_KEYS, children, max_size=4),
    max_leaves=20)
PLAIN_SAFE = re.compile(u"[A-Za-z0-9][A-Za-z0-9 _./:-]*[A-Za-z0-9._/-]\\Z|[A-Za-z0-9]\\Z")


def yaml_scalar(draw, value):
    """A scalar as a netplan file may write it: plain when that reads back the same, else quoted."""
    if value is None:
        return u""
    plain = bool(PLAIN_SAFE.match(value)) and u": " not in value
    style = draw(st.sampled_from([u"plain", u"single", u"double"])) if plain else draw(st.sampled_from([u"single", u"double"]))
    if style == u"plain":
        return value
    if style == u"single" and u"\t" not in value:
        return u"'" + value.replace(u"'", u"''") + u"'"
    escaped = value.replace(u"\\", u"\\\\").replace(u'"', u'\\"').replace(u"\t", u"\\t")
    return u'"' + (escaped.encode("ascii", "backslashreplace").decode("ascii") if draw(st.booleans()) else escaped) + u'"'


def yaml_flow(draw, value):
    if isinstance(value, list):
        return u"[" + draw(st.sampled_from([u", ", u",", u" , "])).join(yaml_flow(draw, item) for item in value) + u"]"
    if isinstance(value, dict):
        return u"{" + u", ".join(u"%s: %s" % (yaml_scalar(draw, key), yaml_flow(draw, item))
                                 for key, item in value.items()) + u"}"
    return yaml_scalar(draw, value) if value is not None else u"''" if draw(st.booleans()) else u"\"\""


def yaml_block(draw, value, indent, step):
    """Lines of ``value`` (a collection) at ``indent``, in block style with flow collections mixed in."""
    lines = []
    pad = u" " * indent
    items = value.items() if isinstance(value, dict) else [(None, item) for item in value]
    for key, item in items:
        head = pad + (u"%s:" % yaml_scalar(draw, key) if key is not None else u"-")
        if draw(st.integers(0, 5)) == 0:
            lines.append(pad + u"# " + draw(st.sampled_from([u"comment", u"key: value", u"- x", u"'"])))
        if isinstance(item, (list, dict)) and item and draw(st.booleans()):
            compact = key is not None and isinstance(item, list) and draw(st.booleans())
            lines.append(head)
            lines += yaml_block(draw, item, indent if compact else indent + step, step)
        elif isinstance(item, (list, dict)):
            lines.append(head + u" " + yaml_flow(draw, item))
        elif item is None and key is not None and draw(st.booleans()):
            lines.append(head)
        else:
            text = yaml_scalar(draw, item) if item is not None else draw(st.sampled_from([u"''", u'""']))
            lines.append(head + u" " + text + (u"  # note" if draw(st.booleans()) else u""))
    return lines


@st.composite
def yaml_texts(draw):
    value = draw(st.dictionaries(YAML_KEYS, YAML_DOCUMENTS, min_size=1, max_size=4))
    lines = yaml_block(draw, value, draw(st.sampled_from([0, 0, 2])), draw(st.sampled_from([2, 4])))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from([u"---", u"# header", u"--- # start"])))
    return value, lines


def yaml_mutated(draw, line):
    """``line`` with a few of YAML's indicators (or blanks) inserted, replaced or dropped."""
    return mutated(draw, line, st.sampled_from(list(u": -#[]{},'\"&*!|>?%@` \t") + [u"  ", u": ", u" #", u"- "]), least=1)


def empty_as_text(value):
    """PyYAML's BaseLoader reads an empty value as ''; the subset reader as None."""
    if isinstance(value, dict):
        return dict((key, empty_as_text(item)) for key, item in value.items())
    if isinstance(value, list):
        return [empty_as_text(item) for item in value]
    return u"" if value is None else value


@given(yaml_texts(), st.sampled_from([u"\n", u"\r\n"]))
def test_netplan_yaml_reads_back_what_was_written(document, newline):
    value, lines = document
    data = (newline.join(lines) + newline).encode("utf-8")
    parsed = netif.parse_yaml(data, "/etc/netplan/50-x.yaml")
    assert empty_as_text(parsed) == empty_as_text(value)
    assert empty_as_text(parsed) == yaml.load(data, Loader=yaml.BaseLoader)  # the oracle agrees


@given(yaml_texts(), st.data())
def test_netplan_yaml_mutated_parses_or_refuses_and_agrees_with_pyyaml(document, data):
    if data.draw(st.booleans()):  # YAML's own characters moved about: the interesting near misses
        lines = [yaml_mutated(data.draw, line) if data.draw(st.integers(0, 2)) == 0 else line for line in document[1]]
        text = (u"\n".join(lines) + u"\n").encode("utf-8")
    else:  # anything: control characters, other line ends, invalid UTF-8
        lines = [mutated(data.draw, line) if data.draw(st.integers(0, 3)) == 0 else line for line in document[1]]
        text = to_bytes(data.draw, lines)
    status, result = parses_or_refuses(netif.parse_yaml, text, "/etc/netplan/50-x.yaml")
    if status == "refused":
        assert result.startswith("/etc/netplan/50-x.yaml line ")
        number = int(result.split(" line ", 1)[1].split(":", 1)[0])
        assert 1 <= number <= text.count(b"\n") + text.count(b"\r") + 1
        return
    try:
        oracle = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:  # a document the reader takes and YAML does not
        raise AssertionError("the subset reader accepted %r, PyYAML refuses it: %s" % (text, exc))
    assert empty_as_text(result) == empty_as_text(oracle), text


# --- kernel releases ------------------------------------------------------------------------

NUMBER = st.integers(0, 400).map(str)
DEB = st.builds(lambda major, minor, patch, abi, flavour: "%s.%s.%s-%s-%s" % (major, minor, patch, abi, flavour),
                NUMBER, NUMBER, NUMBER, st.one_of(NUMBER, st.builds("{0}.deb12.{1}".format, NUMBER, NUMBER)),
                st.sampled_from(["amd64", "cloud-amd64", "rt-amd64", "generic", "686-pae"]))
RPM_SEGMENT = st.one_of(NUMBER, st.sampled_from(["el7", "el8_3", "el9", "el5xen", "fc38", "rc1", "uek", "a", "z"]))
RPM = st.builds(lambda major, minor, patch, release, arch, variant: "%s.%s.%s-%s%s%s" % (
    major, minor, patch, ".".join(release), arch, variant), NUMBER, NUMBER, NUMBER, st.lists(RPM_SEGMENT, min_size=1, max_size=4),
    st.sampled_from(["", ".x86_64", ".aarch64", ".ppc64le"]), st.sampled_from(["", "+debug", ".debug", "+64k", "+rt"]))
RELEASES = st.one_of(DEB, RPM, st.text(alphabet=u"0123456789.-+~^_:abelrx", max_size=20))
ANYTHING = st.one_of(st.none(), st.text(max_size=30), st.binary(max_size=30), st.integers(), RELEASES)


@given(ANYTHING, ANYTHING)
def test_kernel_release_parse_and_compare_never_raise(a, b):
    for value in (a, b):
        parsed = kernel_release.parse(value)
        assert parsed["family"] in ("deb", "rpm")
        assert parsed["numeric"] is None or all(0 <= part < 10 ** 9 for part in parsed["numeric"])
    assert kernel_release.compare(a, b) in (-1, 0, 1)
    assert kernel_release.at_least(a, (5, 7)) in (True, False)


@settings(max_examples=300)
@given(RELEASES, RELEASES, RELEASES)
def test_compare_is_antisymmetric_and_transitive(a, b, c):
    ab, bc, ac = kernel_release.compare(a, b), kernel_release.compare(b, c), kernel_release.compare(a, c)
    assert kernel_release.compare(b, a) == -ab  # pylint: disable=arguments-out-of-order
    assert kernel_release.compare(a, a) == 0
    assert (ab == 0) == (a == b)  # the text breaks every tie
    if ab <= 0 and bc <= 0:
        assert ac <= 0, (a, b, c)


@given(st.lists(RELEASES, max_size=12), st.randoms(use_true_random=False))
def test_sort_key_is_total(releases, rng):
    ordered = sorted(releases, key=kernel_release.sort_key)
    shuffled = list(releases)
    rng.shuffle(shuffled)
    assert sorted(shuffled, key=kernel_release.sort_key) == ordered
    assert all(kernel_release.compare(x, y) <= 0 for x, y in zip(ordered, ordered[1:]))
    assert kernel_release.newest(releases) == (ordered[-1] if ordered else None)
