"""kernel_audit's timings_ms: the whole run on the host, part by part (issue 19)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.fleetfix.kernel.plugins.modules import kernel_audit


def test_timings_cover_the_run_part_by_part(capsys):
    with patch_module_args({"gather_subset": ["pipe_capacity", "slab_allocator"]}):
        with pytest.raises(SystemExit):
            kernel_audit.main()
    timings = json.loads(capsys.readouterr().out)["timings_ms"]
    assert sorted(timings) == ["arguments", "collectors", "imports", "startup", "total"]
    assert sorted(timings["collectors"]) == ["pipe_capacity", "slab_allocator"]
    parts = [timings["startup"], timings["imports"], timings["arguments"]] + list(timings["collectors"].values())
    assert all(isinstance(part, int) and part >= 0 for part in parts)
    # in-process, "startup" is pytest's own start up to the module's import: the parts still add up
    assert timings["total"] >= sum(parts) - 5


def test_return_documents_every_part():
    import yaml
    documented = yaml.safe_load(kernel_audit.RETURN)["timings_ms"]
    assert sorted(documented["contains"]) == ["arguments", "collectors", "imports", "startup", "total"]
    assert sorted(documented["sample"]) == sorted(documented["contains"])
