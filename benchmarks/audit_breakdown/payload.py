"""What kernel_audit's AnsiballZ payload holds, and what importing the audit's code from it costs.

usage: payload.py [--side LABEL=COLLECTIONS_PATH ...] [--runs N] [--python3 PY] [--python2 PY] [--json OUT]

1. Builds the payload as Ansible sends it: one `ansible -m fleetfix.kernel.kernel_audit` run
   against localhost with ANSIBLE_KEEP_REMOTE_FILES=1 and a private remote_tmp, then the zip is
   taken out of the kept AnsiballZ_kernel_audit.py (its zip_data).
2. Counts the .py files and lines in the zip: ansible-core's module_utils and the collection's.
3. Finds which of the collection's modules the audit imports: kernel_audit's top-level imports,
   then, in a fresh process per story, what running that story's collector adds (against an
   empty directory as root: the collector imports its code first, then finds nothing).
4. Times importing each set from the zip, as the host does (zipimport compiles every .py from
   source on every run: nothing in the zip is cached), in a fresh interpreter per run, median
   of --runs, on python3 and python2.7 (the collection's module_utils use the standard library
   only, so they import on 2.7 from ansible-core 2.19's zip too).

Run from the checkout with the collection installed where --collections-path points (see
README.md). Writes only under a temporary directory, removed at the end.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import base64
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PKG = 'ansible_collections.fleetfix.kernel.plugins.module_utils'
MODULE = 'ansible_collections/fleetfix/kernel/plugins/modules/kernel_audit.py'
STORIES = ('page_allocation', 'ext4_threads', 'docker_kernel', 'slab_allocator', 'socket_timeval',
           'net_iface_names', 'pipe_capacity', 'boot_readiness')

# Child: import the modules named in argv[2:] from the zip argv[1]; print the seconds it took,
# wall and CPU (user + system, getrusage: microseconds, and less moved by other work on the machine).
TIME_IMPORTS = '''
import resource, sys, time
sys.path.insert(0, sys.argv[1])
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
started, started_cpu = time.time(), cpu()
for name in sys.argv[2:]:
    __import__(name)
sys.stdout.write('%r %r\\n' % (time.time() - started, cpu() - started_cpu))
'''

# Child: which of the collection's modules kernel_audit's top-level imports load (argv[2:]),
# then what running one story (argv[3]... see below) adds.
DISCOVER = '''
import json, sys, tempfile
sys.path.insert(0, sys.argv[1])
story, top = sys.argv[2], sys.argv[3:]
mine = lambda: [name for name in sys.modules if name.startswith('%s.')]
for name in top:
    __import__(name)
loaded = mine()
added = []
if story != '-':
    audit = sys.modules['%s.audit']
    audit.run([story], {'ext4_sample_seconds': 0}, root=tempfile.mkdtemp())
    added = [name for name in mine() if name not in loaded]
json.dump({'top': loaded, 'story': added}, sys.stdout)
''' % (PKG, PKG)


def log(*args):
    print(*args, file=sys.stderr)


def build_payload(workdir, env):
    """The AnsiballZ zip of kernel_audit, as the controller builds it."""
    remote_tmp = os.path.join(workdir, 'remote')
    env = dict(env, ANSIBLE_KEEP_REMOTE_FILES='1', ANSIBLE_REMOTE_TMP=remote_tmp)
    subprocess.check_call(['ansible', '-i', 'localhost,', '-c', 'local', '-m', 'fleetfix.kernel.kernel_audit',
                           '-a', 'gather_subset=pipe_capacity', '-e', 'ansible_python_interpreter=%s' % sys.executable,
                           'localhost'], env=env, stdout=subprocess.DEVNULL)
    wrapper = glob.glob(os.path.join(remote_tmp, '*', 'AnsiballZ_kernel_audit.py'))[0]
    with open(wrapper) as handle:
        data = re.search(r"zip_data='([A-Za-z0-9+/=]+)'", handle.read()).group(1)
    path = os.path.join(workdir, 'payload.zip')
    with open(path, 'wb') as handle:
        handle.write(base64.b64decode(data))
    return path


def count(zip_path):
    """{'ansible': (files, lines), 'collection': (files, lines), 'collection_files': {path: lines}}"""
    out = {'ansible': [0, 0], 'collection': [0, 0], 'collection_files': {}}
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if not name.endswith('.py'):
                continue
            lines = len(archive.read(name).splitlines())
            part = 'collection' if name.startswith('ansible_collections/') else 'ansible'
            out[part][0] += 1
            out[part][1] += lines
            if part == 'collection' and lines:
                out['collection_files'][name] = lines
    return out


def top_imports(zip_path):
    """The collection modules kernel_audit.py imports at its top (names as imported)."""
    with zipfile.ZipFile(zip_path) as archive:
        text = archive.read(MODULE).decode('utf-8')
    names = []
    for match in re.finditer(r'^from (%s(?:\.\w+)?) import ([\w, ]+)$' % re.escape(PKG), text, re.M):
        if match.group(1) == PKG:
            names.extend('%s.%s' % (PKG, name.strip()) for name in match.group(2).split(','))
        else:
            names.append(match.group(1))
    return names


def discover(python, zip_path, top):
    """{'top': [modules], story: [modules it adds], ...}, the collection's modules only."""
    result = {}
    for story in ('-',) + STORIES:
        found = json.loads(subprocess.check_output([python, '-c', DISCOVER, zip_path, story] + top))
        result['top'] = found['top']
        if story != '-':
            result[story] = found['story']
    return result


def import_ms(python, zip_path, modules):
    """(wall, cpu) milliseconds of one fresh interpreter importing ``modules`` from ``zip_path``."""
    output = subprocess.check_output([python, '-c', TIME_IMPORTS, zip_path] + modules)
    return tuple(float(value) * 1000 for value in output.split())


def lines_of(modules, files):
    return sum(files.get(name.replace('.', '/') + '.py', 0) for name in modules)


def prepare(label, collections_path, python3, workdir):
    """One side of the comparison: its payload, counts and the module sets of each row."""
    side_dir = os.path.join(workdir, label)
    os.makedirs(side_dir)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_HOME=os.path.join(side_dir, 'home'))
    env['PATH'] = os.path.dirname(python3) + os.pathsep + env.get('PATH', '')
    zip_path = build_payload(side_dir, env)
    counts = count(zip_path)
    sets = discover(python3, zip_path, top_imports(zip_path))
    everything = list(sets['top'])
    for story in STORIES:
        everything += [name for name in sets[story] if name not in everything]
    rows = [('all eight stories', everything), ('top-level imports only', sets['top'])]
    rows += [('top + %s' % story, sets['top'] + sets[story]) for story in STORIES]
    return {'label': label, 'zip': zip_path, 'counts': counts, 'sets': sets, 'rows': rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--side', action='append', metavar='LABEL=COLLECTIONS_PATH',
                        help='a build of the collection to measure (repeat to compare builds; their runs interleave)')
    parser.add_argument('--runs', type=int, default=11)
    parser.add_argument('--python3', default=os.path.join(TOP, '.venv', 'bin', 'python'))
    parser.add_argument('--python2', default=os.path.expanduser('~/.pyenv/versions/2.7.18/bin/python'))
    parser.add_argument('--json')
    args = parser.parse_args()
    args.python3, args.python2 = os.path.abspath(args.python3), os.path.abspath(args.python2)
    sides_wanted = args.side or ['installed=%s' % os.path.join(TOP, '.collections')]
    pythons = [('python3', args.python3)]
    if os.path.exists(args.python2):
        pythons.append(('python2.7', args.python2))
    workdir = tempfile.mkdtemp(prefix='audit-payload-')
    try:
        sides = [prepare(item.split('=', 1)[0], item.split('=', 1)[1], args.python3, workdir) for item in sides_wanted]
        labels = [label for label, _modules in sides[0]['rows']]
        results = {}  # (row, side, python) -> [(wall, cpu)]
        basic = dict((side['label'], []) for side in sides)
        for _run in range(args.runs):
            # one run of every row on every side and Python before the next: load hits them alike
            for index, label in enumerate(labels):
                for side in sides:
                    modules = side['rows'][index][1]
                    for name, python in pythons:
                        results.setdefault((label, side['label'], name), []).append(import_ms(python, side['zip'], modules))
            for side in sides:
                basic[side['label']].append(import_ms(args.python3, side['zip'], ['ansible.module_utils.basic']))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def stat(samples):
        walls = [wall for wall, _cpu in samples]
        return statistics.median(walls), min(walls)

    for side in sides:
        counts = side['counts']
        print('%s payload: ansible-core %d files / %d lines, collection %d files / %d lines'
              % ((side['label'],) + tuple(counts['ansible'] + counts['collection'])))
        print('%s: ansible.module_utils.basic (imported by AnsiballZ before the module), python3: %.1f ms (min %.1f)'
              % ((side['label'],) + stat(basic[side['label']])))
    print('milliseconds wall to import the set from the zip in a fresh interpreter: median (min) of %d runs' % args.runs)
    print()
    columns = [(side, name) for name, _python in pythons for side in sides]
    sizes_head = ' | '.join('%s files / lines' % side['label'] for side in sides)
    times_head = ' | '.join('%s %s ms' % (name, side['label']) for side, name in columns)
    print('| modules imported | %s | %s |' % (sizes_head, times_head))
    print('|---|%s' % ('---|' * (len(sides) + len(columns))))
    report = {'sides': {}, 'rows': []}
    for index, label in enumerate(labels):
        sizes = []
        row = {'set': label}
        for side in sides:
            modules = side['rows'][index][1]
            files = side['counts']['collection_files']
            sizes.append('%d / %d' % (len(modules), lines_of(modules, files)))
            row[side['label']] = {'files': len(modules), 'lines': lines_of(modules, files)}
        cells = []
        for side, name in columns:
            median, low = stat(results[(label, side['label'], name)])
            cells.append('%.1f (%.1f)' % (median, low))
            row[side['label']][name] = {'median_ms': median, 'min_ms': low}
        report['rows'].append(row)
        print('| %s | %s | %s |' % (label, ' | '.join(sizes), ' | '.join(cells)))
    for side in sides:
        report['sides'][side['label']] = {'payload': {'ansible': side['counts']['ansible'], 'collection': side['counts']['collection']},
                                          'collection_files': side['counts']['collection_files'], 'sets': side['sets']}
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(report, handle, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
