"""The pipe_size_plan filter: the role's decide step."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.pipe_size_plan import FilterModule
from ansible_collections.fleetfix.kernel.plugins.module_utils import pipe

plan = FilterModule().filters()["pipe_size_plan"]
FACTS = pipe.build_facts("6.1.0-28-amd64", 4096, {"pipe_max_size": 1048576, "pipe_user_pages_soft": 16384,
                                                  "pipe_user_pages_hard": 0}, 65536, None)


def test_plan_through_the_filter():
    assert plan(FACTS, 16777216)["changes"] == ["fs.pipe-max-size"]


def test_bad_value_is_a_filter_error_naming_it():
    with pytest.raises(AnsibleFilterError) as err:
        plan(FACTS, 12345678)
    assert "fleetfix_pipe_max_size=12345678 is not a power of two" in str(err.value)


def test_wrong_input_is_named():
    with pytest.raises(AnsibleFilterError) as err:
        plan("not facts", 1048576)
    assert "expects the fleetfix_pipe facts" in str(err.value)


def test_the_dropin_is_the_whole_file_in_the_plans_order_and_parses_back():
    from ansible_collections.fleetfix.kernel.plugins.module_utils import sysctl_d
    plan = FilterModule().filters()["pipe_size_plan"](FACTS, 16777216, user_pages_soft=32768)
    assert plan["dropin"] == ("# Managed by fleetfix.kernel.pipe_size: this file is rewritten by the role, edit its "
                              "variables instead.\nfs.pipe-max-size = 16777216\nfs.pipe-user-pages-soft = 32768\n")
    # what ansible.posix.sysctl reads back from it (key = value, spaces stripped) is the plan
    lines = [line for line in plan["dropin"].splitlines() if line and not line.startswith("#")]
    values = dict((k.strip(), v.strip()) for k, v in (line.split("=", 1) for line in lines))
    assert values == {"fs.pipe-max-size": "16777216", "fs.pipe-user-pages-soft": "32768"}
    # and what the boot tools read from it
    assignments = [(key, value) for _line, key, value in sysctl_d.parse_conf(plan["dropin"])]
    assert assignments == [("fs.pipe-max-size", "16777216"), ("fs.pipe-user-pages-soft", "32768")]
