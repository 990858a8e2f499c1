"""Pipe facts, probe, plan and finding (seed story 8)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.fleetfix.kernel.plugins.module_utils import pipe
from ansible_collections.fleetfix.kernel.plugins.module_utils.hostfs import HostReadError

PAGE = 4096


@pytest.mark.parametrize("tree,expected", [
    ("host-6.18", {"pipe_max_size": 1048576, "pipe_user_pages_soft": 16384, "pipe_user_pages_hard": 0}),
    ("rhel7-3.10", {"pipe_max_size": 1048576, "pipe_user_pages_soft": 16384, "pipe_user_pages_hard": 0}),
    ("legacy-2.6.32", {"pipe_max_size": None, "pipe_user_pages_soft": None, "pipe_user_pages_hard": None}),
])
def test_read_limits(fixture_root, tree, expected):
    assert pipe.read_limits(fixture_root("pipe", tree)) == expected


def test_malformed_sysctl_names_the_file(fixture_root):
    with pytest.raises(HostReadError) as err:
        pipe.read_limits(fixture_root("pipe", "malformed"))
    assert "/proc/sys/fs/pipe-max-size" in str(err.value)
    assert "1048576 junk" in str(err.value)


@pytest.mark.parametrize("size,capacity", [
    (1, PAGE), (PAGE, PAGE), (PAGE + 1, 2 * PAGE), (3 * PAGE, 4 * PAGE),
    (65537, 131072), (16777216, 16777216), (16777215, 16777216),
])
def test_round_pipe_size_matches_the_kernel(size, capacity):
    assert pipe.round_pipe_size(size, PAGE) == capacity


def test_collect_without_probe_on_a_legacy_kernel(fixture_root):
    facts = pipe.collect(fixture_root("pipe", "legacy-2.6.32"), write_size=16777216, probe=False, page_size=PAGE)
    assert facts["kernel_release"] == "2.6.32-754.35.1.el6.x86_64"
    assert facts["resizable"] is False
    assert facts["default_capacity"] == 16 * PAGE
    assert facts["max_unprivileged_capacity"] == 16 * PAGE
    assert facts["write_fits_default_pipe"] is False
    assert facts["write_fits_unprivileged"] is False


def test_collect_without_probe_on_rhel7(fixture_root):
    facts = pipe.collect(fixture_root("pipe", "rhel7-3.10"), write_size=524288, probe=False, page_size=PAGE)
    assert facts["resizable"] is True
    assert facts["default_capacity"] is None  # not probed, not guessed
    assert facts["max_unprivileged_capacity"] == 1048576
    assert facts["write_fits_unprivileged"] is True
    assert facts["write_fits_default_pipe"] is None


def test_facts_when_f_getpipe_sz_is_refused():
    facts = pipe.build_facts("2.6.32-x", PAGE, {"pipe_max_size": None, "pipe_user_pages_soft": None,
                                                "pipe_user_pages_hard": None}, None, errno.EINVAL, 131072)
    assert facts["resizable"] is False
    assert facts["default_capacity_source"].startswith("PIPE_BUFFERS")
    assert facts["write_fits_default_pipe"] is False


# --- the probe, on this machine's own kernel: it only creates and resizes pipes ---

def test_probe_default_capacity_is_sixteen_pages():
    capacity, err = pipe.probe_default_capacity()
    assert err is None
    assert capacity == 16 * os.sysconf("SC_PAGE_SIZE")


def test_unprivileged_probe_obeys_pipe_max_size():
    limit = pipe.read_limits("/")["pipe_max_size"]
    granted = pipe.probe_resize_unprivileged(limit)
    assert granted["capacity"] == limit
    refused = pipe.probe_resize_unprivileged(limit * 2)
    if os.geteuid() == 0:
        # root could grow it (CAP_SYS_RESOURCE); the probe dropped to nobody, so it may not.
        assert refused["as_uid"] != 0
    assert refused["capacity"] is None
    assert refused["error"] == "EPERM"


def test_collect_live_host():
    facts = pipe.collect("/", write_size=1 << 30)
    assert facts["resizable"] is True
    assert facts["default_capacity_source"] == "F_GETPIPE_SZ"
    assert facts["write_fits_unprivileged"] is (facts["pipe_max_size"] >= 1 << 30)
    assert facts["resize_probe"]["requested"] == 1 << 30


# --- decide ---

def _facts(tree_facts=None, **overrides):
    facts = pipe.build_facts("6.1.0-28-amd64", PAGE, {"pipe_max_size": 1048576, "pipe_user_pages_soft": 16384,
                                                      "pipe_user_pages_hard": 0}, 65536, None)
    facts.update(overrides)
    return facts


def test_plan_changes_only_what_differs():
    plan = pipe.plan_settings(_facts(), 16777216, user_pages_soft=16384)
    assert plan["changes"] == ["fs.pipe-max-size"]
    assert plan["sysctls"] == [
        {"name": "fs.pipe-max-size", "current": 1048576, "value": 16777216, "change": True},
        {"name": "fs.pipe-user-pages-soft", "current": 16384, "value": 16384, "change": False},
    ]


def test_plan_is_empty_when_already_set():
    plan = pipe.plan_settings(_facts(pipe_max_size=16777216), 16777216)
    assert plan["changes"] == []


def test_plan_accepts_digit_strings_from_the_command_line():
    assert pipe.plan_settings(_facts(), "16777216")["sysctls"][0]["value"] == 16777216


@pytest.mark.parametrize("value,message", [
    (0, "fleetfix_pipe_max_size=0 is below one page"),
    (1000, "fleetfix_pipe_max_size=1000 is below one page"),
    (3 * 1048576, "fleetfix_pipe_max_size=3145728 is not a power of two; the kernel would round it up to 4194304"),
    ("big", "fleetfix_pipe_max_size must be an integer, got 'big'"),
    ("-4096", "fleetfix_pipe_max_size must be an integer, got '-4096'"),
    (True, "fleetfix_pipe_max_size must be an integer, got True"),
    (None, "fleetfix_pipe_max_size must be an integer, got None"),
    (1 << 30, "fleetfix_pipe_max_size=1073741824 (1 GiB) is above the safety cap of 268435456 (256 MiB)"),
])
def test_plan_rejects_bad_values_naming_them(value, message):
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.plan_settings(_facts(), value)
    assert message in str(err.value)


def test_cap_can_be_raised_explicitly():
    assert pipe.plan_settings(_facts(), 1 << 30, cap=1 << 30)["changes"] == ["fs.pipe-max-size"]


def test_plan_refuses_a_kernel_without_the_sysctl():
    facts = pipe.build_facts("2.6.32-x", PAGE, {"pipe_max_size": None, "pipe_user_pages_soft": None,
                                                "pipe_user_pages_hard": None}, None, errno.EINVAL)
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.plan_settings(facts, 1048576)
    assert "kernel 2.6.32-x has no fs.pipe-max-size" in str(err.value)
    assert "64 KiB" in str(err.value)


def test_plan_refuses_user_pages_soft_before_4_5():
    facts = _facts(pipe_user_pages_soft=None, pipe_user_pages_hard=None)
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.plan_settings(facts, 1048576, user_pages_soft=32768)
    assert "no fs.pipe-user-pages-soft (added in 4.5)" in str(err.value)


def test_plan_rejects_negative_user_pages():
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.plan_settings(_facts(), 1048576, user_pages_soft=-1)
    assert "fleetfix_pipe_user_pages_soft must be an integer >= 0" in str(err.value)


# --- the audit finding ---

def test_finding_warns_when_the_write_does_not_fit():
    found = pipe.finding(_facts(), 16777216)
    assert found["status"] == "warn"
    assert found["story"] == "pipe_capacity"
    assert "16 MiB write does not fit" in found["summary"]
    assert found["remedy"] == "role fleetfix.kernel.pipe_size with fleetfix_pipe_max_size: 16777216"
    assert found["evidence"]["pipe_max_size"] == 1048576


def test_finding_ok_when_it_fits():
    found = pipe.finding(_facts(), 1048576)
    assert found["status"] == "ok"
    assert found["remedy"] is None


def test_finding_rounds_like_the_kernel():
    # 1 MiB + 1 byte needs a 2 MiB pipe, which a 1 MiB limit does not allow.
    assert pipe.finding(_facts(), 1048577)["status"] == "warn"


def test_finding_on_a_legacy_kernel_points_at_an_upgrade(fixture_root):
    facts = pipe.collect(fixture_root("pipe", "legacy-2.6.32"), probe=False, page_size=PAGE)
    found = pipe.finding(facts, 1048576)
    assert found["status"] == "warn"
    assert "fixed at 64 KiB" in found["summary"]
    assert "2.6.35" in found["remedy"]
    assert pipe.finding(facts, 4096)["status"] == "ok"


# ---- issue 14: the kernel's own limits, booleans, ASCII digits

@pytest.mark.parametrize("value", [True, False, 0, -1, 2 ** 31 + 1, 2 ** 32, 1.5, "4096", None])
def test_write_size_is_a_positive_int_of_at_most_2_gib(value):
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.validate_write_size(value)
    assert str(err.value).startswith("write_size"), str(err.value)
    assert repr(value) in str(err.value) or str(value) in str(err.value), str(err.value)


def test_write_size_bounds_pass():
    assert pipe.validate_write_size(1) == 1
    assert pipe.validate_write_size(2 ** 31) == 2 ** 31


def test_pipe_facts_module_refuses_true_as_a_write_size(capsys):
    """type=int lets a YAML true through as True; it is not 1 byte."""
    import json
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.fleetfix.kernel.plugins.modules import pipe_facts
    with patch_module_args({"write_size": True}):
        with pytest.raises(SystemExit) as exit_info:
            pipe_facts.main()
    result = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 1
    assert result["msg"] == "write_size must be a positive number of bytes, got True (a boolean is not a size)"


@pytest.mark.parametrize("text", [u"4096\u00b2", u"\u0664\u0660\u0669\u0666", "9" * 5000, "", " ", "+4096", "4_096"])
def test_as_int_takes_ascii_digits_only(text):
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.as_int(text, "fleetfix_pipe_max_size")
    assert "fleetfix_pipe_max_size must be an integer" in str(err.value)


def test_max_size_above_the_kernels_limit_is_refused_even_under_a_raised_cap():
    facts = pipe.build_facts("6.1.0", 4096, {"pipe_max_size": 1048576, "pipe_user_pages_soft": 16384,
                                             "pipe_user_pages_hard": 0}, 65536, None)
    assert pipe.plan_settings(facts, 2 ** 31, cap=2 ** 40)["sysctls"][0]["value"] == 2 ** 31
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.plan_settings(facts, 2 ** 32, cap=2 ** 40)
    assert "fleetfix_pipe_max_size=4294967296 is above the kernel's limit of 2147483648" in str(err.value)
    with pytest.raises(pipe.PipeSettingError) as err:
        pipe.plan_settings(facts, "1048576", user_pages_soft=2 ** 64)
    assert "fleetfix_pipe_user_pages_soft" in str(err.value)


# --- issue 14: the sysctls within what the kernel holds ----------------------------------------

@pytest.mark.parametrize("name, text, value", [
    ("fs.pipe-max-size", "1048576\n", 1048576),
    ("fs.pipe-max-size", "4294967295", 4294967295),
    ("fs.pipe-user-pages-soft", "18446744073709551615", 2 ** 64 - 1),
    ("fs.pipe-user-pages-hard", " 0 ", 0),
])
def test_pipe_sysctls_within_the_kernels_types(name, text, value):
    assert pipe.parse_sysctl(name, text) == value


@pytest.mark.parametrize("name, text", [
    ("fs.pipe-max-size", "4294967296"), ("fs.pipe-max-size", u"1048576\u00b2"), ("fs.pipe-max-size", u"\u0661\u0660"),
    ("fs.pipe-max-size", "9" * 5000), ("fs.pipe-max-size", "-1"), ("fs.pipe-max-size", ""),
    ("fs.pipe-user-pages-soft", "18446744073709551616"), ("fs.pipe-user-pages-hard", "0x10"),
])
def test_pipe_sysctls_out_of_range_name_the_file(name, text):
    with pytest.raises(HostReadError) as err:
        pipe.parse_sysctl(name, text)
    assert str(err.value).startswith("/proc/sys/fs/%s: expected an integer from 0 to " % name[3:])
