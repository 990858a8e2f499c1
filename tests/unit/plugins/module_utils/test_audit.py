"""The audit runner: story selection and error isolation."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import audit, ext4threads
from ansible_collections.fleetfix.kernel.plugins.module_utils.findings import make_finding, worst


def test_all_selects_every_story_in_order():
    assert audit.select_stories(["all"]) == list(audit.STORIES)


def test_exclusion_alone_starts_from_everything():
    assert "pipe_capacity" not in audit.select_stories(["!pipe_capacity"])


def test_unknown_story_is_named():
    with pytest.raises(ValueError) as err:
        audit.select_stories(["pipes"])
    assert "unknown story 'pipes'" in str(err.value)


def test_a_broken_collector_is_an_error_finding_for_its_story_only(monkeypatch):
    def broken(root, options, context):
        raise IOError(13, "Permission denied")

    def fine(root, options, context):
        return {"x": 1}, make_finding("fine", "ok", "all good")

    monkeypatch.setattr(audit, "COLLECTORS", (("broken", broken), ("fine", fine)))
    facts, findings, timings = audit.run(["broken", "fine"], {})
    assert [f["status"] for f in findings] == ["error", "ok"]
    assert "Permission denied" in findings[0]["summary"]
    assert facts == {"broken": None, "fine": {"x": 1}}
    assert set(timings) == {"broken", "fine"}


def test_pipe_collector_on_a_fixture_tree(fixture_root):
    root = fixture_root("pipe", "rhel7-3.10")
    facts, findings, _timings = audit.run(["pipe_capacity"], {"pipe_write_size": 16777216}, root=root)
    assert findings[0]["status"] == "warn"
    assert facts["pipe_capacity"]["pipe_max_size"] == 1048576


def test_worst_status():
    assert worst(["ok", "warn", "not_applicable"]) == "warn"
    assert worst([]) == "ok"
    assert worst(["fail", "error"]) == "error"


def test_unknown_status_is_refused():
    with pytest.raises(ValueError):
        make_finding("x", "bad", "nope")


def test_one_audit_reads_each_shared_file_once(monkeypatch):
    """Nothing is parsed twice: files several collectors read come from the per-call cache."""
    from ansible_collections.fleetfix.kernel.plugins.module_utils import hostfs
    opened = []
    real_read = hostfs._read_bytes

    def counting_read(root, path, limit):  # every read that goes to the file (not the cache)
        opened.append(path)
        return real_read(root, path, limit)

    monkeypatch.setattr(hostfs, "_read_bytes", counting_read)
    audit.run(list(audit.STORIES), {"ext4_sample_seconds": 0})
    shared = [p for p in opened if hostfs._cacheable("/" + p.lstrip("/"))]
    assert "/proc/mounts" in shared and "/proc/sys/kernel/osrelease" in shared
    assert sorted(p for p in set(shared) if shared.count(p) > 1) == []
    assert not hostfs._cache["on"]  # switched off again after the call


def test_ext4_window_spans_the_other_collectors(monkeypatch):
    """The ext4 sample opens first and closes last; findings keep the story order."""
    calls = []
    real_begin, real_finish = ext4threads.begin, ext4threads.finish

    def begin(root):
        calls.append("begin")
        return real_begin(root)

    def finish(window, root, seconds):
        calls.append("finish")
        return real_finish(window, root, seconds=0)

    monkeypatch.setattr(ext4threads, "begin", begin)
    monkeypatch.setattr(ext4threads, "finish", finish)
    real_pipe = audit._pipe_capacity

    def pipe_collector(root, options, context):
        calls.append("pipe_capacity")
        return real_pipe(root, options, context)

    monkeypatch.setattr(audit, "COLLECTORS", tuple(
        (name, pipe_collector if name == "pipe_capacity" else fn) for name, fn in audit.COLLECTORS))
    _facts, findings, _timings = audit.run(["ext4_threads", "pipe_capacity"], {})
    assert calls == ["begin", "pipe_capacity", "finish"]
    assert [f["story"] for f in findings] == ["ext4_threads", "pipe_capacity"]


def test_ext4_window_that_cannot_open_is_that_story_error(monkeypatch):
    def broken(root):
        raise OSError(13, "Permission denied", "/proc")

    monkeypatch.setattr(ext4threads, "begin", broken)
    _facts, findings, _timings = audit.run(["ext4_threads", "pipe_capacity"], {})
    assert findings[0]["story"] == "ext4_threads" and findings[0]["status"] == "error"
    assert "Permission denied" in findings[0]["summary"]
    assert findings[1]["status"] != "error"


def test_page_allocation_is_a_warn_not_ok_when_kmsg_cannot_be_read(monkeypatch, fixture_root):
    """A plain user under kernel.dmesg_restrict=1: /dev/kmsg is EPERM; no 'no failures logged'."""
    from ansible_collections.fleetfix.kernel.plugins.module_utils import memory

    def denied(path="/dev/kmsg"):
        raise OSError(1, "Operation not permitted", path)
    facts = memory.collect(fixture_root("memory", "debian11-5.10"))
    monkeypatch.setattr(memory, "read_kmsg", denied)
    monkeypatch.setattr(memory, "collect", lambda root, page_size=4096: dict(facts))
    story_facts, found = audit._page_allocation("/", {}, {})
    assert found["status"] == "warn"
    assert "could not read /dev/kmsg (Operation not permitted)" in found["summary"]
    assert "run with become" in found["summary"]
    assert "no allocation failures logged" not in found["summary"]
    assert found["evidence"]["log_sources_unread"] == [{"source": "/dev/kmsg", "error": "Operation not permitted"}]
    assert story_facts["log_sources_unread"] == found["evidence"]["log_sources_unread"]


def test_page_allocation_reads_kmsg_and_stays_ok_when_it_can(monkeypatch, fixture_root):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import memory
    facts = memory.collect(fixture_root("memory", "debian11-5.10"))
    monkeypatch.setattr(memory, "read_kmsg", lambda path="/dev/kmsg": ["6,1,1000,-;hello\n"])
    monkeypatch.setattr(memory, "collect", lambda root, page_size=4096: dict(facts))
    _facts, found = audit._page_allocation("/", {}, {})
    assert found["status"] in ("ok", "warn")
    assert found["evidence"]["log_sources_unread"] == []
    assert "could not read" not in found["summary"]


# /proc/self/stat of a python3 whose comm holds a space and a ')' (field 2 is in parentheses and
# may hold both); starttime (field 22) is 1234 ticks after boot.
STAT = ("4242 (py thon)) S 4240 4242 4240 34816 4242 4194304 1186 0 0 0 2 1 0 0 20 0 1 0 1234 "
        "17235968 2410 18446744073709551615 1 1 0 0 0 0 0 16781312 134217730 0 0 0 17 1 0 0 0 0 0\n")


def test_process_age_is_uptime_less_the_start_in_clock_ticks():
    assert audit.process_age(STAT, "12.84 20.00\n", 100) == pytest.approx(12.84 - 12.34)


@pytest.mark.parametrize("stat, uptime", [("4242 (python3) S 1 2", "12.84 20.00\n"), (STAT, ""), (STAT, "soon")])
def test_process_age_refuses_text_that_is_not_proc(stat, uptime):
    with pytest.raises((ValueError, IndexError)):
        audit.process_age(stat, uptime, 100)


def test_startup_is_measured_on_this_host():
    import time
    startup = audit.startup_ms(time.time())
    assert isinstance(startup, int) and startup >= 0


def test_startup_is_null_when_proc_cannot_tell(monkeypatch):
    def unreadable(*_args, **_kwargs):
        raise IOError(2, "No such file or directory")

    monkeypatch.setattr(audit, "open", unreadable, raising=False)
    assert audit.startup_ms(0.0) is None


def test_startup_is_null_without_a_clock_tick(monkeypatch):
    monkeypatch.setattr(audit.os, "sysconf", lambda name: 0)
    assert audit.startup_ms(0.0) is None


def test_module_timings_follow_one_another():
    timings = audit.module_timings(130, 100.0, 100.012, 100.0145, {"pipe_capacity": 3}, 100.018)
    assert timings == {"startup": 130, "imports": 12, "arguments": 2, "collectors": {"pipe_capacity": 3}, "total": 148}
    assert audit.module_timings(None, 100.0, 100.01, 100.02, {}, 100.03)["total"] is None


def test_a_story_compiles_only_its_own_code(tmp_path):
    """Collectors import their module_utils when they run: auditing the pipe story alone loads
    no other story's code (AnsiballZ still ships it; the host does not compile it)."""
    import json
    import os
    import subprocess
    import sys
    script = (
        "import json, sys\n"
        "from ansible_collections.fleetfix.kernel.plugins.module_utils import audit\n"
        "audit.run(['pipe_capacity'], {}, root=sys.argv[1])\n"
        "prefix = 'ansible_collections.fleetfix.kernel.plugins.module_utils.'\n"
        "print(json.dumps(sorted(name[len(prefix):] for name in sys.modules if name.startswith(prefix))))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", script, str(tmp_path)], env=env))
    assert "pipe" in loaded
    others = ("memory", "ext4threads", "docker_check", "kconfig", "slab", "timeval", "netif", "sysctl_d",
              "bootchain", "bootloader", "bootready", "initramfs")
    assert [name for name in others if name in loaded] == []


# --- boot_readiness reads only the images that can boot next (issue 19) -----------------------

@pytest.mark.parametrize("installed, running, default, expected", [
    (["5.10.0-1", "5.10.0-2", "5.10.0-3"], "5.10.0-3", "5.10.0-3", ["5.10.0-3"]),            # steady state: one image of three
    (["5.10.0-1", "5.10.0-2", "5.10.0-3"], "5.10.0-1", "5.10.0-3", ["5.10.0-3", "5.10.0-2"]),  # upgraded, not rebooted
    (["5.10.0-1", "5.10.0-2", "5.10.0-3"], "5.10.0-3", "5.10.0-1", ["5.10.0-1"]),            # default pinned to an older one
    (["5.10.0-1", "5.10.0-2"], "5.10.0-2", None, ["5.10.0-2"]),                               # no boot loader read: the running one
    (["5.10.0-1", "5.10.0-2"], "5.10.0-2", "5.9.0-9", None),                                 # default names a removed kernel: all
    ([], "5.10.0-2", None, None),
])
def test_boot_readiness_decodes_only_the_images_its_verdict_reads(installed, running, default, expected):
    grub = {"flavour": "grub2", "default_entry": {"version": default}} if default else {}
    assert audit.boot_candidates(installed, running, grub) == expected
    if expected:  # the same kernels the finding evaluates once the facts hold only those
        from ansible_collections.fleetfix.kernel.plugins.module_utils import bootready
        facts = {"running_kernel": running, "kernels": [{"version": k} for k in installed if k in expected]}
        assert sorted(bootready.kernels_to_check(facts, grub)) == sorted(expected)


def test_the_boot_collector_passes_the_candidates_and_the_early_stop(monkeypatch):
    from ansible_collections.fleetfix.kernel.plugins.module_utils import bootchain, bootloader
    seen = {}
    monkeypatch.setattr(bootloader, "collect", lambda root: {"flavour": "grub2", "default_entry": {"version": "6.1.0-2"}})
    monkeypatch.setattr(bootchain, "installed_kernels", lambda root: ["6.1.0-1", "6.1.0-2"])
    monkeypatch.setattr(bootchain, "running_kernel", lambda root: "6.1.0-2")

    def collect(root, **kwargs):
        seen.update(kwargs)
        seen["kernels"] = kwargs.pop("select")(bootchain.installed_kernels(root), bootchain.running_kernel(root))
        return {"kernels": [], "running_kernel": "6.1.0-2"}
    monkeypatch.setattr(bootchain, "collect_initramfs_facts", collect)
    audit._boot_readiness("/", {"boot_extra_drivers": ["nvme"]}, {})
    seen.pop("select")
    assert seen == {"kernels": ["6.1.0-2"], "extra": ["nvme"], "on_error": "report", "stop_early": True}
