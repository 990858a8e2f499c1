"""fleetfix_audit_serial as the collector task's throttle (playbooks/audit.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.fleetfix.kernel.plugins.filter.audit_settings import audit_settings
from ansible_collections.fleetfix.kernel.plugins.filter.audit_throttle import audit_throttle


@pytest.mark.parametrize("serial, hosts, throttle", [
    (0, 50, 0), (1, 50, 1), (7, 3, 7), ("30%", 10, 3), ("30%", 11, 4), ("1%", 5, 1), ("100%", 45, 45),
    ([1, "50%"], 10, 5), ([1, 0, 3], 10, 0), (["10%", 2], 100, 10),
])
def test_numbers_percentages_and_lists(serial, hosts, throttle):
    assert audit_throttle(serial, hosts) == throttle


@pytest.mark.parametrize("given", ["1", "30%", ["2", "25%"], 0])
def test_what_audit_settings_accepts_becomes_a_throttle(given):
    checked = audit_settings({"fleetfix_audit_serial": given})["fleetfix_audit_serial"]
    assert isinstance(audit_throttle(checked, 8), int)


@pytest.mark.parametrize("serial, hosts, fragment", [
    (True, 5, "not a number of hosts"), ("abc", 5, "'abc' is not a number"), ("0%", 5, "'0%'"), ("150%", 5, "'150%'"),
    ([], 5, "empty list"), (-1, 5, "-1"), ("\u0663", 5, "is not a number"), (1, -1, "count of hosts"), (1, True, "count of hosts"),
])
def test_anything_else_is_refused_naming_it(serial, hosts, fragment):
    with pytest.raises(AnsibleFilterError, match=None) as err:
        audit_throttle(serial, hosts)
    assert fragment in str(err.value)
