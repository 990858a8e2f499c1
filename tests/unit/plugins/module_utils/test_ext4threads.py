"""The ext4 conversion threads: parsing, sampling and the verdict (seed story 3)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import ext4threads
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError
from conftest import FIXTURES


def stat_lines():
    with open(os.path.join(FIXTURES, "ext4", "stat-lines.txt")) as handle:
        return handle.read().splitlines()


def test_parse_stat_on_every_shape():
    parsed = [ext4threads.parse_stat(line) for line in stat_lines()]
    assert parsed == [("kworker/R-ext4-rsv-conversion", 0), ("kworker/u8:1-ext4-rsv-conversion", 195),
                      ("ext4-dio-unwrit", 37), ("my (odd) app", 10)]


def test_families():
    assert [ext4threads.family_of(ext4threads.parse_stat(line)[0]) for line in stat_lines()] == [
        "ext4-rsv-conver", "ext4-rsv-conver", "ext4-dio-unwrit", None]


def test_pool_workers_count_for_cpu_but_not_as_threads():
    sample = {81: ("kworker/R-ext4-rsv-conversion", 0), 14970: ("kworker/u8:1-ext4-rsv-conversion", 195)}
    later = {81: ("kworker/R-ext4-rsv-conversion", 0), 14970: ("kworker/u8:1-ext4-rsv-conversion", 295)}
    facts = ext4threads.diagnose(sample, later, 1.0, 100, ["/"])
    assert facts["families"]["ext4-rsv-conver"] == {"threads": 1, "workers": 1, "cpu_ticks": 100, "cpu_percent": 100.0}
    assert facts["threads"] == 1 and facts["verdict"] == "busy"


def test_idle_threads_are_benign():
    first = {81: ("kworker/R-ext4-rsv-conversion", 0), 412: ("ext4-dio-unwrit", 37)}
    second = {81: ("kworker/R-ext4-rsv-conversion", 0), 412: ("ext4-dio-unwrit", 37)}
    facts = ext4threads.diagnose(first, second, 1.0, 100, ["/"])
    assert facts["threads"] == 2
    assert facts["verdict"] == "benign"
    assert ext4threads.finding(facts)["status"] == "ok"


def test_threads_burning_cpu_are_busy():
    first = {412: ("ext4-dio-unwrit", 37), 413: ("ext4-dio-unwrit", 0)}
    second = {412: ("ext4-dio-unwrit", 57), 413: ("ext4-dio-unwrit", 10)}  # 30 ticks in 1 s at 100 Hz: 30 %
    facts = ext4threads.diagnose(first, second, 1.0, 100, ["/data"], busy_percent=5)
    assert facts["families"]["ext4-dio-unwrit"]["cpu_percent"] == 30.0
    assert facts["verdict"] == "busy"
    found = ext4threads.finding(facts)
    assert found["status"] == "warn" and "ext4-dio-unwrit busy" in found["summary"]


def test_no_ext4_is_not_applicable():
    facts = ext4threads.diagnose({}, {}, 0, 100, [])
    assert ext4threads.finding(facts)["status"] == "not_applicable"


def test_mounts():
    assert ext4threads.ext4_mounts("/dev/vda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/sdb /data ext4 rw 0 0\n") == ["/", "/data"]


def test_collect_on_this_machine():
    facts = ext4threads.collect("/", seconds=0.05)
    assert facts["verdict"] in ("benign", "busy")
    assert facts["threads"] == sum(f["threads"] for f in facts["families"].values())


def test_window_counts_the_time_that_really_passed(monkeypatch):
    """finish() waits only for what is left of the window and divides by the real interval."""
    clock = {"now": 1000.0}
    slept = []
    monkeypatch.setattr(ext4threads.time, "time", lambda: clock["now"])

    def fake_sleep(seconds):
        slept.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(ext4threads.time, "sleep", fake_sleep)
    samples = iter([{7: ("ext4-rsv-conver", 100)}, {7: ("ext4-rsv-conver", 110)}])
    monkeypatch.setattr(ext4threads, "sample", lambda root: next(samples))
    monkeypatch.setattr(ext4threads.os, "sysconf", lambda name: 100)
    window = ext4threads.begin("/")
    clock["now"] += 0.15  # the other collectors' work
    facts = ext4threads.finish(window, "/", seconds=0.2)
    assert [round(s, 3) for s in slept] == [0.05]
    assert facts["sample_seconds"] == 0.2
    # 10 ticks at 100 Hz in 0.2 s: half a CPU
    assert facts["families"]["ext4-rsv-conver"]["cpu_percent"] == 50.0
    # a window already over: no sleep at all, the longer real interval is used
    samples = iter([{7: ("ext4-rsv-conver", 100)}, {7: ("ext4-rsv-conver", 110)}])
    window = ext4threads.begin("/")
    clock["now"] += 0.5
    facts = ext4threads.finish(window, "/", seconds=0.2)
    assert len(slept) == 1 and facts["sample_seconds"] == 0.5
    assert facts["families"]["ext4-rsv-conver"]["cpu_percent"] == 20.0


# --- issue 14: malformed /proc/PID/stat is an error naming the file ---------------------------

@pytest.mark.parametrize("text, fragment", [
    ("412 (ext4-dio-unwrit) S 2 0", "at least 15 fields"),
    ("412 ext4-dio-unwrit S", '"PID (comm) state ..."'),
    ("x (ext4-dio-unwrit) S 2 0 0 0 -1 0 0 0 0 0 37 0 0 0", '"PID (comm) state ..."'),
    (u"412 (ext4-dio-unwrit) S 2 0 0 0 -1 0 0 0 0 0 3\u00b2 0 0 0", "utime (field 14) as clock ticks"),
    ("412 (ext4-dio-unwrit) S 2 0 0 0 -1 0 0 0 0 0 37 " + "9" * 5000 + " 0 0", "stime (field 15) as clock ticks"),
])
def test_a_malformed_stat_names_the_file(text, fragment):
    with pytest.raises(HostReadError) as err:
        ext4threads.parse_stat(text, "/proc/412/stat")
    assert str(err.value).startswith("/proc/412/stat: expected") and fragment in str(err.value)


def test_sample_skips_what_is_not_a_process_and_what_exited(tmp_path):
    for name, text in [("412", stat_lines()[2]), (u"\u00b2", "junk"), ("99999999", "junk"), ("self", "junk")]:
        (tmp_path / "proc" / name).mkdir(parents=True)
        (tmp_path / "proc" / name / "stat").write_text(text)
    (tmp_path / "proc" / "7").mkdir()  # exited: its directory is still listed, its stat is gone
    assert ext4threads.sample(str(tmp_path)) == {412: ("ext4-dio-unwrit", 37)}
    (tmp_path / "proc" / "413").mkdir()
    (tmp_path / "proc" / "413" / "stat").write_text(u"413 (ext4-dio-unwrit) S 2 \u0663")
    with pytest.raises(HostReadError) as err:
        ext4threads.sample(str(tmp_path))
    assert "/proc/413/stat" in str(err.value)
