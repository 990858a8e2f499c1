"""Where kernel_audit's time goes on a host: its timings_ms over several runs against localhost.

usage: bench.py [--runs N] [--collections-path PATH] [--ansible ANSIBLE] [--python PY]
                [--subset STORY,...] [--json OUT]

Each run is one `ansible -i localhost, -c local -m fleetfix.kernel.kernel_audit localhost`, the
module run by --python (ansible_python_interpreter: interpreter discovery is not used), and
prints the median, minimum and maximum of each part of timings_ms (startup, imports,
arguments, each collector, total) and of the whole command's wall time on the controller.
--ansible picks the controller: .venv/bin/ansible (ansible-core 2.19, Python 3.8+ hosts) or
.venv-2.16/bin/ansible (the last for Python 2.7 and 3.6 hosts). Runs from an empty directory,
so no ansible.cfg applies. See README.md.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PARTS = ('startup', 'imports', 'arguments')
STORIES = ('page_allocation', 'ext4_threads', 'docker_kernel', 'slab_allocator', 'socket_timeval',
           'net_iface_names', 'pipe_capacity', 'boot_readiness')  # the report's order


def run_once(ansible, python, subset, env, cwd):
    """(timings_ms, wall seconds of the whole command) of one module run."""
    command = [ansible, '-i', 'localhost,', '-c', 'local', '-m', 'fleetfix.kernel.kernel_audit', '-o',
               '-e', 'ansible_python_interpreter=%s' % python, 'localhost']
    if subset:
        command[7:7] = ['-a', json.dumps({'gather_subset': subset.split(',')})]
    started = time.time()
    output = subprocess.check_output(command, env=env, cwd=cwd).decode('utf-8')
    wall = time.time() - started
    result = json.loads(output[output.index('{'):])
    if 'timings_ms' not in result:
        raise SystemExit('no timings_ms in the result: %s' % output[:2000])
    return result['timings_ms'], wall


def summary(values):
    known = [value for value in values if value is not None]
    if not known:
        return None
    return statistics.median(known), min(known), max(known)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--runs', type=int, default=11)
    parser.add_argument('--collections-path', default=os.path.join(TOP, '.collections'))
    parser.add_argument('--ansible', default=os.path.join(TOP, '.venv', 'bin', 'ansible'))
    parser.add_argument('--python', default=os.path.join(TOP, '.venv', 'bin', 'python'))
    parser.add_argument('--subset', help='comma-separated stories (default: all)')
    parser.add_argument('--json')
    args = parser.parse_args()
    args.ansible, args.python = os.path.abspath(args.ansible), os.path.abspath(args.python)
    workdir = tempfile.mkdtemp(prefix='audit-breakdown-')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=args.collections_path, ANSIBLE_HOME=os.path.join(workdir, 'home'))
    env['PATH'] = os.path.dirname(os.path.abspath(args.ansible)) + os.pathsep + env.get('PATH', '')
    runs = []
    try:
        run_once(args.ansible, args.python, args.subset, env, workdir)  # warm-up: caches, first compile of the controller
        for number in range(args.runs):
            runs.append(run_once(args.ansible, args.python, args.subset, env, workdir))
            print('run %d: %s' % (number + 1, json.dumps(runs[-1][0], sort_keys=True)), file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    stories = [story for story in STORIES if story in runs[0][0]['collectors']]
    rows = [(part, [timings[part] for timings, _wall in runs]) for part in PARTS]
    rows += [('collectors: %s' % story, [timings['collectors'].get(story) for timings, _wall in runs]) for story in stories]
    rows.append(('collectors, summed', [sum(timings['collectors'].values()) for timings, _wall in runs]))
    rows.append(('total (on the host)', [timings['total'] for timings, _wall in runs]))
    rows.append(('total - startup (the module itself)', [None if timings['total'] is None else timings['total'] - timings['startup']
                                                         for timings, _wall in runs]))
    rows.append(('whole ansible command (controller wall)', [int(round(wall * 1000)) for _timings, wall in runs]))
    print('kernel_audit timings_ms, %d runs, python %s, controller %s' % (args.runs, args.python, args.ansible))
    print()
    print('| part | median ms | min | max |')
    print('|---|---|---|---|')
    for label, values in rows:
        stats = summary(values)
        if stats is None:
            print('| %s | null | | |' % label)
        else:
            print('| %s | %g | %g | %g |' % ((label,) + stats))
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump({'runs': [{'timings_ms': timings, 'wall_s': wall} for timings, wall in runs]}, handle, indent=1)


if __name__ == '__main__':
    main()
