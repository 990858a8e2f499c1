"""Modules end to end in-process: arguments, results, and clean failures (no tracebacks)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.modules import kernel_audit, memory_watermark_facts, pipe_facts


def run_module(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    result = json.loads(capsys.readouterr().out)
    return exit_info.value.code, result


def test_pipe_facts_returns_facts(capsys):
    code, result = run_module(pipe_facts, {"write_size": 65536}, capsys)
    assert code == 0
    facts = result["ansible_facts"]["fleetfix_pipe"]
    assert result["changed"] is False
    assert facts["write_fits_default_pipe"] is True
    assert facts["resize_probe"]["capacity"] == 65536


def test_pipe_facts_rejects_a_non_positive_write_size(capsys):
    code, result = run_module(pipe_facts, {"write_size": 0}, capsys)
    assert code == 1
    assert result["msg"] == "write_size must be a positive number of bytes, got 0"
    assert "exception" not in result


def test_pipe_facts_rejects_a_string(capsys):
    code, result = run_module(pipe_facts, {"write_size": "lots"}, capsys)
    assert code == 1
    assert "write_size" in result["msg"] and "lots" in result["msg"]


def test_kernel_audit_all(capsys):
    code, result = run_module(kernel_audit, {}, capsys)
    assert code == 0
    assert result["stories"] == ["page_allocation", "ext4_threads", "docker_kernel", "slab_allocator",
                                 "socket_timeval", "net_iface_names", "pipe_capacity", "boot_readiness"]
    assert [f["story"] for f in result["findings"]] == result["stories"]
    assert all(f["status"] in ("ok", "warn", "fail", "not_applicable") for f in result["findings"]), result["findings"]
    assert result["facts"]["pipe_capacity"]["pipe_max_size"] > 0
    assert result["facts"]["page_allocation"]["mem_total_kb"] > 0


def test_kernel_audit_unknown_story(capsys):
    code, result = run_module(kernel_audit, {"gather_subset": ["nope"]}, capsys)
    assert code == 1
    assert "unknown story 'nope'" in result["msg"]


def test_memory_watermark_facts_on_this_machine(capsys):
    code, result = run_module(memory_watermark_facts, {"log_sources": []}, capsys)
    assert code == 0
    facts = result["ansible_facts"]["fleetfix_memory"]
    assert facts["mem_total_kb"] > 0
    assert facts["watermarks_match_min_free_kbytes"] is True
    assert "vm.min_free_kbytes" in facts["boot_values"]
    assert facts["log_sources_read"] == []


def test_memory_watermark_facts_rejects_an_unknown_log_source(capsys):
    code, result = run_module(memory_watermark_facts, {"log_sources": ["dmesg2"]}, capsys)
    assert code == 1
    assert "log_sources" in result["msg"] and "dmesg2" in result["msg"]


def test_kernel_config_facts_names_a_missing_kernel(capsys):
    from ansible_collections.fleetfix.kernel.plugins.modules import kernel_config_facts
    code, result = run_module(kernel_config_facts, {"kernels": ["0.0.1-nope"]}, capsys)
    assert code == 1
    assert "kernel 0.0.1-nope is not installed" in result["msg"]
    assert "Traceback" not in result["msg"] and "exception" not in result


def test_slab_facts_on_this_machine(capsys):
    """Reads this machine's running kernel (its config, /proc/slabinfo or /sys/kernel/slab)."""
    from ansible_collections.fleetfix.kernel.plugins.modules import slab_facts
    code, result = run_module(slab_facts, {"caches": True}, capsys)
    assert code == 0, result
    facts = result["ansible_facts"]["fleetfix_slab"]
    assert facts["allocator"] in ("SLUB", "SLAB", "SLOB", None)
    assert isinstance(facts["out_of_tree_modules"], list)
