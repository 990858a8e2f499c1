# -*- coding: utf-8 -*-
"""Snapshot what a role could change on a test VM: file checksums and sysctl values.

Printed as JSON. Taken before and after the --check run; the shared verify test fails if
they differ (a check run must write nothing). Runs on the guest; Python 2.7 and 3.
"""
from __future__ import print_function

import hashlib
import json
import os
import re

TREES = ['/etc', '/boot', '/usr/lib/sysctl.d', '/run/sysctl.d', '/usr/lib/modprobe.d',
         '/usr/lib/dracut/dracut.conf.d', '/usr/lib/systemd/network', '/usr/lib/udev/rules.d']
# Counters and other values the kernel changes by itself.
VOLATILE_SYSCTLS = re.compile(
    r'^(fs\.(dentry-state|file-nr|inode-nr|inode-state|aio-nr|quota\.)|'
    r'kernel\.(random\.|ns_last_pid|pty\.nr|perf_event_max_sample_rate|sched_domain\.|tainted)|'
    r'net\.netfilter\.nf_conntrack_count|vm\.(stat_refresh|drop_caches|compact_memory)|'
    r'fs\.binfmt_misc\.register|net\.ipv[46]\.route\.flush|kernel\.keys\.(maxkeys|maxbytes)$)')


def files():
    out = {}
    for tree in TREES:
        for dirpath, dirnames, filenames in os.walk(tree):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    out[path] = 'link:' + os.readlink(path)
                elif os.path.isfile(path):
                    digest = hashlib.sha256()
                    try:
                        with open(path, 'rb') as handle:
                            digest.update(handle.read())
                    except (IOError, OSError) as exc:
                        out[path] = 'unreadable:%s' % exc.errno
                        continue
                    st = os.stat(path)
                    out[path] = '%s %o %d:%d' % (digest.hexdigest(), st.st_mode, st.st_uid, st.st_gid)
    return out


def sysctls():
    out = {}
    for dirpath, dirnames, filenames in os.walk('/proc/sys'):
        dirnames.sort()
        for name in filenames:
            path = os.path.join(dirpath, name)
            key = path[len('/proc/sys/'):].replace('/', '.')
            if VOLATILE_SYSCTLS.match(key):
                continue
            try:
                with open(path) as handle:
                    out[key] = handle.read().strip()
            except (IOError, OSError):
                continue
    return out


print(json.dumps({'files': files(), 'sysctls': sysctls()}, sort_keys=True))
