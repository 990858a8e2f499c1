"""Hostile module arguments (module_argument_inputs.py) through each module, in-process.

Every case runs in check mode (``_ansible_check_mode``), so nothing a module would write
is written on this machine whatever it does with the value; a case passes only when the
module fails with a message naming the option and holding the fragment, and no traceback.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib
import json

import pytest
from ansible.module_utils.testing import patch_module_args

from hostile.module_argument_inputs import CASES


def _ids():
    return ['%s-%d' % (case[0], index) for index, case in enumerate(CASES)]


@pytest.mark.parametrize('module_name, args, option, fragment', CASES, ids=_ids())
def test_hostile_module_argument_is_refused_naming_the_option(module_name, args, option, fragment, capsys):
    module = importlib.import_module('ansible_collections.fleetfix.kernel.plugins.modules.' + module_name)
    with patch_module_args(dict(args, _ansible_check_mode=True)):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    result = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 1 and result.get('failed'), result
    assert 'exception' not in result, result['exception']
    message = result['msg']
    assert option in message, message
    assert fragment in message, message
    assert 'a bug in fleetfix.kernel' not in message, message


def test_every_module_with_options_has_hostile_cases():
    names = set(case[0] for case in CASES)
    assert names >= set(['pipe_facts', 'ext4_thread_facts', 'socket_timeout_probe', 'memory_watermark_facts',
                         'slab_facts', 'kernel_config_facts', 'docker_kernel_check', 'initramfs_facts',
                         'kernel_audit', 'grub_facts', 'net_iface_facts', 'initramfs_rebuild'])
