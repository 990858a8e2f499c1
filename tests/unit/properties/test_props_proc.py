"""Properties of the /proc readers (issue 14): zoneinfo, buddyinfo, meminfo, the watermark and
pipe sysctls, /proc/PID/stat, slabinfo, /proc/modules, kernel.tainted, /dev/kmsg records,
dmesg / journal / syslog lines and timeval durations.

Each parser gets near-valid input - real-looking lines with a field mutated: a huge number,
a Unicode digit, a sign, a missing or an extra field, a dropped or doubled line, binary junk -
and arbitrary text or bytes; every input parses or is refused with HostReadError
(contract.parses_or_refuses), and a refusal names the file. On top of that: what a parse
returns is within what the kernel holds, a number that is not ASCII digits or not within
bounds is refused naming its line, valid files round-trip, and the failure-line scanner
finds what the regex it replaced found (without its quadratic backtracking, and with the task
name after "kernel: " where a line has no "[seconds]").
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import re

from hypothesis import given, strategies as st

from ansible_collections.fleetfix.kernel.plugins.module_utils import ext4threads, memory, pipe, slab, timeval
from contract import parses_or_refuses

U64_MAX = 2 ** 64 - 1
# numbers that are not what a /proc field holds: non-ASCII digits (isdigit() or int() take
# them), signs, hex, floats, empty, past 2**64, past int()'s 4,300 digits, past a float
BAD_NUMBERS = [u"\u00b2", u"\u0663", u"1\u0663", u"\uff11", u"\u2075", u"\u07c0", u"-1", u"+5", u"0x10", u"1e3",
               u"1.5", u"", u"18446744073709551616", u"9" * 41, u"9" * 5000, u"1" + u"0" * 400, u"\x00", u"12abc"]
BAD_NUMBER = st.one_of(st.sampled_from(BAD_NUMBERS), st.integers(U64_MAX + 1, 2 ** 200).map(str),
                       st.integers(-2 ** 70, -1).map(str))
SMALL = st.integers(0, 10 ** 6)
NUMBER = st.one_of(SMALL, st.integers(0, U64_MAX))
ANY_TEXT = st.one_of(st.text(max_size=120),
                     st.binary(max_size=120).map(lambda data: data.decode("utf-8", "replace")))
_DIGITS = re.compile(u"[0-9]+")


@st.composite
def mutated(draw, lines):
    """``lines`` (text) with up to three mutations, joined with '\\n' (maybe cut short)."""
    lines = list(lines) or [u""]
    for _step in range(draw(st.integers(0, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["number", "number", "drop", "double", "extra", "junk", "text", "space"]))
        line = lines[index]
        spans = [match.span() for match in _DIGITS.finditer(line)]
        if action == "number" and spans:
            start, end = draw(st.sampled_from(spans))
            lines[index] = line[:start] + draw(st.one_of(BAD_NUMBER, NUMBER.map(str))) + line[end:]
        elif action == "drop" and len(lines) > 1:
            del lines[index]
        elif action == "double":
            lines.insert(index, line)
        elif action == "extra":
            lines[index] = line + draw(st.sampled_from([u" 7", u" kB", u" x", u"\t", u" 1 2 3", u" :"]))
        elif action == "junk":
            junk = draw(st.binary(max_size=16)).decode("utf-8", "replace")
            where = draw(st.integers(0, len(line)))
            lines[index] = line[:where] + junk + line[where:]
        elif action == "text":
            lines[index] = draw(st.text(max_size=40))
        else:
            lines[index] = draw(st.sampled_from([u"", u"  ", u" "])) + line.strip()
    text = u"\n".join(lines) + u"\n"
    if draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return text


def refused_naming(outcome, path):
    status, value = outcome
    if status == "refused":
        assert path in value, value
    return status, value


# --- /proc/zoneinfo ------------------------------------------------------------------------

ZONES = [u"DMA", u"DMA32", u"Normal", u"HighMem", u"Movable"]
ZONE_FIELDS = [u"pages free", u"min", u"low", u"high", u"spanned", u"present", u"managed"]


@st.composite
def zoneinfo_lines(draw, max_zones=3):
    lines = []
    for index in range(draw(st.integers(1, max_zones))):
        lines.append(u"Node %d, zone %8s" % (draw(st.integers(0, 3)), ZONES[index % len(ZONES)]))
        values = draw(st.lists(NUMBER, min_size=7, max_size=7))
        lines.append(u"  pages free     %d" % values[0])
        lines.append(u"        boost    0")
        for name, value in zip(ZONE_FIELDS[1:], values[1:]):
            lines.append(u"        %-8s %d" % (name, value))
        lines.append(u"        protection: (%s)" % u", ".join(str(v) for v in draw(st.lists(SMALL, min_size=1, max_size=5))))
        lines.extend([u"      nr_free_pages %d" % values[0], u"      nr_free_cma  %d" % draw(SMALL), u"  pagesets",
                      u"    cpu: 0", u"              count: 0", u"              high:  %d" % draw(SMALL),
                      u"  vm stats threshold: 4", u"  start_pfn:           1"])
    return lines


@given(st.one_of(zoneinfo_lines().flatmap(mutated), ANY_TEXT))
def test_zoneinfo_parses_or_refuses_naming_the_file(text):
    status, zones = refused_naming(parses_or_refuses(memory.parse_zoneinfo, text), "/proc/zoneinfo")
    if status == "ok":
        assert 1 <= len(zones) <= memory.MAX_ZONES
        for zone in zones:
            for key in ("free_pages", "min", "low", "high", "present", "managed", "free_cma"):
                assert 0 <= zone[key] <= U64_MAX
            assert all(0 <= value <= U64_MAX for value in zone["protection"])


@given(zoneinfo_lines(), st.data())
def test_zoneinfo_a_bad_number_is_refused_naming_its_line(lines, data):
    fields = [index for index, line in enumerate(lines) if line.strip().split(u" ")[0] in
              (u"pages", u"min", u"low", u"high", u"present", u"managed", u"spanned", u"protection:", u"Node")]
    index = data.draw(st.sampled_from(fields))
    spans = [m.span() for m in _DIGITS.finditer(lines[index])]
    start, end = data.draw(st.sampled_from(spans[:1] if lines[index].startswith(u"Node") else spans))  # not DMA32
    lines[index] = lines[index][:start] + data.draw(BAD_NUMBER) + lines[index][end:]
    status, message = parses_or_refuses(memory.parse_zoneinfo, u"\n".join(lines))
    assert status == "refused", (lines[index], message)
    assert u"/proc/zoneinfo line %d: expected" % (index + 1) in message, message


@given(zoneinfo_lines(max_zones=2))
def test_zoneinfo_streamed_is_zoneinfo_parsed(lines):
    data = (u"\n".join(lines) + u"\n").encode("utf-8")
    streamed = memory.parse_zoneinfo(memory._host_lines(io.BytesIO(data), "/proc/zoneinfo", 1 << 20))
    assert streamed == memory.parse_zoneinfo(data.decode("utf-8"))


# --- /proc/buddyinfo, /proc/meminfo ------------------------------------------------------------

@st.composite
def buddyinfo_lines(draw):
    lines = []
    for index in range(draw(st.integers(1, 4))):
        counts = u" ".join(u"%6d" % n for n in draw(st.lists(NUMBER, min_size=1, max_size=11)))
        lines.append(u"Node %d, zone %8s %s" % (draw(st.integers(0, 3)), ZONES[index], counts))
    return lines


@given(st.one_of(buddyinfo_lines().flatmap(mutated), ANY_TEXT))
def test_buddyinfo_parses_or_refuses_naming_the_file(text):
    status, zones = refused_naming(parses_or_refuses(memory.parse_buddyinfo, text), "/proc/buddyinfo")
    if status == "ok":
        for counts in zones.values():
            assert 1 <= len(counts) <= memory.MAX_ORDERS and all(0 <= n <= U64_MAX for n in counts)


@given(buddyinfo_lines(), st.data())
def test_buddyinfo_a_bad_count_is_refused_naming_its_line(lines, data):
    index = data.draw(st.integers(0, len(lines) - 1))
    words = lines[index].split()
    position = data.draw(st.integers(4, len(words) - 1))
    words[position] = data.draw(BAD_NUMBER.filter(lambda text: text.strip() and not text.isspace()))
    lines[index] = u" ".join(words)
    status, message = parses_or_refuses(memory.parse_buddyinfo, u"\n".join(lines))
    assert status == "refused" and u"/proc/buddyinfo line %d: expected" % (index + 1) in message, message


MEMINFO_KEYS = [u"MemTotal", u"MemFree", u"MemAvailable", u"Buffers", u"Cached", u"Committed_AS", u"HugePages_Total",
                u"Hugepagesize", u"DirectMap4k", u"Active(anon)"]


@st.composite
def meminfo_lines(draw):
    keys = draw(st.lists(st.sampled_from(MEMINFO_KEYS), min_size=1, max_size=8))
    return [u"MemTotal:       %8d kB" % draw(st.integers(1, U64_MAX))] + [
        u"%-15s %8d%s" % (key + u":", draw(NUMBER), u"" if key == u"HugePages_Total" else u" kB") for key in keys]


@given(st.one_of(meminfo_lines().flatmap(mutated), ANY_TEXT))
def test_meminfo_parses_or_refuses_naming_the_file(text):
    status, values = refused_naming(parses_or_refuses(memory.parse_meminfo, text), "/proc/meminfo")
    if status == "ok":
        assert 0 < values["MemTotal"] <= U64_MAX and all(0 <= v <= U64_MAX for v in values.values())


@given(meminfo_lines(), st.data())
def test_meminfo_a_bad_value_is_refused_naming_its_line(lines, data):
    index = data.draw(st.integers(0, len(lines) - 1))
    key, _sep, rest = lines[index].partition(u":")
    words = rest.split()
    words[0] = data.draw(BAD_NUMBER.filter(lambda text: text.strip() and u" " not in text))
    lines[index] = key + u": " + u" ".join(words)
    status, message = parses_or_refuses(memory.parse_meminfo, u"\n".join(lines))
    assert status == "refused" and u"/proc/meminfo line %d: expected" % (index + 1) in message, message


# --- sysctl integers -------------------------------------------------------------------------------

SYSCTL_TEXT = st.one_of(st.integers(-2 ** 70, 2 ** 70).map(str), BAD_NUMBER, ANY_TEXT,
                        st.lists(st.integers(-2 ** 33, 2 ** 33).map(str), max_size=70).map(u"\t".join),
                        st.sampled_from([u"256 abc", u"256\t256\t32", u"65536\n", u" 7 ", u"5 6", u"256 \u0663"]))


@given(st.sampled_from(memory.WATERMARK_SYSCTLS), SYSCTL_TEXT)
def test_watermark_sysctl_parses_or_refuses_naming_the_file(name, text):
    status, value = refused_naming(parses_or_refuses(memory.parse_watermark_sysctl, name, text),
                                   "/proc/sys/" + name.replace(".", "/"))
    if status == "ok":
        values = value if isinstance(value, list) else [value]
        assert all(memory.INT_MIN <= v <= memory.INT_MAX for v in values)


@given(st.sampled_from(sorted(pipe.SYSCTL_MAXIMA)), st.one_of(SYSCTL_TEXT, st.integers(0, 2 ** 65).map(str)))
def test_pipe_sysctl_parses_or_refuses_naming_the_file(name, text):
    status, value = refused_naming(parses_or_refuses(pipe.parse_sysctl, name, text), "/proc/sys/" + name.replace(".", "/"))
    if status == "ok":
        assert 0 <= value <= pipe.SYSCTL_MAXIMA[name] and str(value) == text.strip()


# --- /proc/PID/stat ----------------------------------------------------------------------------

COMM = st.text(st.characters(blacklist_characters=u"\x00", blacklist_categories=("Cs",)), max_size=20)


@st.composite
def stat_lines(draw):
    pid = draw(st.integers(1, 4194304))
    comm = draw(st.one_of(COMM, st.sampled_from([u"ext4-dio-unwrit", u"kworker/R-ext4-rsv-conversion", u"my (odd) app",
                                                 u"a)b", u") 1 2 3", u"x\ny"])))
    fields = [draw(st.sampled_from([u"S", u"R", u"I", u"D"]))] + [str(draw(NUMBER)) for _index in range(49)]
    return pid, comm, fields


@given(stat_lines())
def test_stat_round_trips(line):
    pid, comm, fields = line
    text = u"%d (%s) %s\n" % (pid, comm, u" ".join(fields))
    assert ext4threads.parse_stat(text) == (comm, int(fields[11]) + int(fields[12]))


@given(st.one_of(stat_lines().map(lambda line: [u"%d (%s) %s" % (line[0], line[1], u" ".join(line[2]))]).flatmap(mutated),
                 ANY_TEXT))
def test_stat_parses_or_refuses_naming_the_file(text):
    status, value = refused_naming(parses_or_refuses(ext4threads.parse_stat, text, "/proc/412/stat"), "/proc/412/stat")
    if status == "ok":
        assert 0 <= value[1] <= 2 * U64_MAX


# --- /proc/slabinfo, /proc/modules, kernel.tainted -------------------------------------------------

@st.composite
def slabinfo_lines(draw):
    lines = [u"slabinfo - version: 2.%d" % draw(st.integers(0, 1)),
             u"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
             u"<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>"]
    for name in draw(st.lists(st.sampled_from([u"ext4_inode_cache", u"kmalloc-64", u"dentry", u"TCP", u"nf_conntrack"]),
                              max_size=5)):
        numbers = [str(draw(NUMBER)) for _index in range(5)]
        lines.append(u"%-17s %s : tunables    0    0    0 : slabdata %d %d 0" % (name, u" ".join(numbers),
                                                                                 draw(SMALL), draw(SMALL)))
    return lines


@given(st.one_of(slabinfo_lines().flatmap(mutated), ANY_TEXT))
def test_slabinfo_parses_or_refuses_naming_the_file(text):
    status, names = refused_naming(parses_or_refuses(slab.parse_slabinfo, text), "/proc/slabinfo")
    if status == "ok":
        assert all(name and not name.startswith(u"#") for name in names)


@given(slabinfo_lines())
def test_slabinfo_round_trips(lines):
    assert slab.parse_slabinfo(u"\n".join(lines) + u"\n") == [line.split()[0] for line in lines[2:]]


@st.composite
def modules_lines(draw):
    return [u"%s %d %d - Live 0xffffffffc0a00000%s" % (draw(st.sampled_from([u"nf_tables", u"vboxdrv", u"hello", u"ext4"])),
                                                       draw(NUMBER), draw(st.integers(0, 9)),
                                                       draw(st.sampled_from([u"", u" (O)", u" (OE)", u" (E)", u" (P)"])))
            for _index in range(draw(st.integers(0, 5)))]


@given(st.one_of(modules_lines().flatmap(mutated), ANY_TEXT))
def test_modules_parse_or_refuse_naming_the_file(text):
    status, modules = refused_naming(parses_or_refuses(slab.parse_modules, text), "/proc/modules")
    if status == "ok":
        assert all(set(module["taint"]) <= set(u"ABCDEFGIKLMNOPRSTUWX+-") for module in modules)


@given(st.one_of(NUMBER.map(str), BAD_NUMBER, ANY_TEXT))
def test_tainted_parses_or_refuses_naming_the_file(text):
    status, value = refused_naming(parses_or_refuses(slab.parse_tainted, text), "/proc/sys/kernel/tainted")
    if status == "ok":
        assert 0 <= value <= U64_MAX


# --- kernel log lines: /dev/kmsg records, dmesg, journal, syslog -------------------------------------

FAILURE_MESSAGES = st.builds(
    lambda comm, sep, order, mode, flags: u"%s: page allocation failure%s order:%s, mode:%s%s" % (comm, sep, order, mode, flags),
    st.sampled_from([u"java", u"kworker/0:1", u"swapper/0", u"redis-server", u"", u"a b"]),
    st.sampled_from([u".", u":"]),
    st.one_of(st.integers(0, 12).map(str), BAD_NUMBER),
    st.one_of(st.sampled_from([u"0x20", u"0x2080020", u"0xA20"]), st.text(max_size=20)),
    st.sampled_from([u"", u"(GFP_ATOMIC|__GFP_COMP)", u"(GFP_ATOMIC", u", nodemask=(null)"]))
MESSAGES = st.one_of(FAILURE_MESSAGES, ANY_TEXT)


@given(st.one_of(st.builds(lambda prio, seq, usec, flags, msg: u"%s,%s,%s,%s;%s\n" % (prio, seq, usec, flags, msg),
                           st.one_of(st.integers(0, 7).map(str), BAD_NUMBER), st.one_of(NUMBER.map(str), BAD_NUMBER),
                           st.one_of(NUMBER.map(str), BAD_NUMBER), st.sampled_from([u"-", u"c", u"+", u"-,caller=T1"]),
                           MESSAGES), ANY_TEXT))
def test_kmsg_record_parses_or_is_not_a_record(record):
    status, value = parses_or_refuses(memory.parse_kmsg_record, record)
    assert status == "ok"  # a log line that is not a record is not one: never an error
    if value is not None:
        assert 0 <= value[0] <= 10 ** 20 / 1e6
    assert parses_or_refuses(memory.parse_log_line, record, "kmsg")[0] == "ok"


@given(st.one_of(st.builds(lambda sec, msg: u"[%s] %s" % (sec, msg),
                           st.one_of(st.floats(0, 1e9).map(lambda f: u"%12.6f" % f), BAD_NUMBER), MESSAGES), ANY_TEXT),
       st.sampled_from(["dmesg", "journal", "syslog"]))
def test_dmesg_journal_and_syslog_lines_parse(line, kind):
    status, event = parses_or_refuses(memory.parse_log_line, line, kind)
    assert status == "ok"
    if event:
        assert 0 <= event["order"] < 100 and re.match(u"0x[0-9a-f]{1,16}\\Z", event["mode"])
        assert event["when"] is None or isinstance(event["when"], (float, type(u"")))


@given(st.lists(st.one_of(MESSAGES.map(lambda m: (u"Nov 20 03:14:07 kv17 kernel: [8.5] " + m).encode("utf-8")),
                          st.binary(max_size=80)), max_size=20),
       st.sampled_from(["kmsg", "dmesg", "journal", "syslog"]))
def test_the_streaming_scan_counts_what_the_line_parser_finds(lines, kind):
    groups = memory.FailureGroups(max_groups=3).scan(lines, kind)
    expected = sum(1 for line in lines if memory.parse_log_line(line.decode("utf-8", "replace"), kind))
    assert groups.count() == expected
    assert len(groups.keys()) <= 3


# The regex the failure parser had before issue 14: quadratic on long lines, unbounded orders.
OLD_FAILURE = re.compile(
    u"(?:^|\\]\\s+|kernel:\\s+)(?P<comm>[^\\[\\]]*?): page allocation failure[:.]\\s*order:(?P<order>[0-9]+),\\s*"
    u"mode:(?P<mode>0x[0-9a-fA-F]+)(?:\\((?P<flags>[^)]*)\\))?")
TOKENS = [u"[", u"]", u" ", u"\t", u"kernel:", u"kernel: ", u": page allocation failure", u"x", u":", u"(", u")",
          u": page allocation failure. order:1, mode:0x20", u": page allocation failure: order:3, mode:0x2080020(GFP_ATOMIC)",
          u"java", u".", u"order:2,", u" mode:0xAB", u"12.5", u"kworker/0:1"]


@given(st.lists(st.sampled_from(TOKENS), max_size=12))
def test_the_failure_parser_finds_what_the_old_regex_found(tokens):
    message = u"".join(tokens)
    match = OLD_FAILURE.search(message)
    old = None if not match else {"process": match.group("comm").strip(), "order": int(match.group("order")),
                                  "mode": match.group("mode").lower(), "flags": match.group("flags")}
    if match and match.start("comm") == 0:
        # the one change: without a bracket the name follows "kernel: " when there is one (the old
        # regex's "^" won there, giving "host kernel: java" for "java")
        tag = re.search(u"kernel:\\s+", match.group("comm"))
        if tag:
            old["process"] = match.group("comm")[tag.end():].strip()
    assert memory.parse_failure(message) == old


# --- timeval durations (role variables and the timeval filter: TimevalError, not a host file) ------

@given(st.one_of(st.integers(-2 ** 70, 2 ** 70), st.integers(2 ** 4000, 2 ** 4100), st.floats(),
                 st.builds(lambda number, unit: u"%s%s" % (number, unit),
                           st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(str), BAD_NUMBER,
                                     st.sampled_from([u"1e9999", u"1e-9999", u"1e99999999999", u"9" * 5000, u".5"])),
                           st.sampled_from([u"", u"s", u"ms", u"us", u"ns", u"min", u" m", u"h", u"\u00b5s"])),
                 ANY_TEXT, st.none(), st.booleans()))
def test_to_timeval_gives_a_valid_timeval_or_a_timeval_error(value):
    try:
        result = timeval.to_timeval(value)
    except timeval.TimevalError as exc:
        assert str(exc)
        return
    assert 0 <= result["tv_usec"] < 1000000 and 0 <= result["tv_sec"] <= timeval.TV_SEC_MAX
