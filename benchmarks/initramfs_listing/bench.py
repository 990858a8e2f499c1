"""Time plugins/module_utils/initramfs.py list_image against lsinitrd, lsinitramfs and the raw
`<decompressor> -dc IMG | cpio -t` pipeline, on the cached Debian 12 test-image initrd (zstd,
dracut) and the same archive recompressed to gzip and xz. See README.md; run through run.sh.

usage: bench.py [--reps N] [--image PATH] [--json OUT]

Nothing is installed system-wide: dracut-core and initramfs-tools-core are fetched with
`apt-get download` into build/bench/initramfs_listing/ and unpacked there with `dpkg-deb -x`;
lsinitrd runs from there with dracutbasedir pointing into the unpacked tree, lsinitramfs with
the unpacked usr/bin first on PATH (it runs unmkinitramfs by name).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import glob
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
MODULE_UTILS = os.path.join(TOP, 'plugins', 'module_utils')
BUILD = os.path.join(TOP, 'build', 'bench', 'initramfs_listing')
DEFAULT_IMAGE = os.path.expanduser('~/.cache/fleetfix/images/bookworm/initrd')
PACKAGES = ('dracut-core', 'initramfs-tools-core')
COLLECTIONS = os.path.join(BUILD, 'collections')  # ansible_collections/fleetfix/kernel -> the checkout
_IMPORT = 'import sys, json; sys.path.insert(0, sys.argv[1]); from ansible_collections.fleetfix.kernel.plugins.module_utils import initramfs'
# What a module run does: a fresh interpreter, the import, the listing, the JSON out.
OURS = _IMPORT + '; json.dump(initramfs.list_image(sys.argv[2]), sys.stdout)'
# The breakdown: an interpreter that does nothing, and one that only imports.
START = 'import sys, json'
IMPORT = _IMPORT
# The boot-readiness audit's path: every installed kernel's image, the required drivers, early stop
# (kernel_audit -> bootchain.collect_initramfs_facts(stop_early=True) -> list_image(kernel=, required=)).
AUDIT = (_IMPORT + '; kver, req = sys.argv[2], sys.argv[3].split(","); '
         'json.dump([initramfs.list_image(p, kernel=kver, required=req) for p in sys.argv[4:]], sys.stdout)')
FULL3 = _IMPORT + '; json.dump([initramfs.list_image(p) for p in sys.argv[4:]], sys.stdout)'
# what the bookworm test VM's boot chain needs (root on a virtio disk, ext4)
REQUIRED = 'virtio_blk,virtio_pci,ext4'
DECOMPRESS = {'zstd': 'zstd -dc', 'gzip': 'gzip -dc', 'xz': 'xz -dc'}
# The decoder list_image uses, alone, output thrown away: the floor of its listing time (gzip: zlib
# in-process, timed here as gzip -dc; xz: the xz program with -T0 on two or more CPUs).
DECODE = {'zstd': 'zstd -dcq', 'gzip': 'gzip -dc', 'xz': 'xz -dcq -T0'}


def log(*args):
    print(*args, file=sys.stderr)
    sys.stderr.flush()


def run(argv, **kwargs):
    return subprocess.check_call(argv, **kwargs)


def machine():
    model = 'unknown'
    with open('/proc/cpuinfo') as handle:
        for line in handle:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    return {'nproc': os.cpu_count(), 'cpu': model, 'kernel': platform.release(),
            'python': sys.version.split()[0], 'loadavg': os.getloadavg()}


def tools():
    """Unpack dracut-core and initramfs-tools-core under BUILD; return their root or None."""
    root = os.path.join(BUILD, 'root')
    if os.path.isfile(os.path.join(root, 'usr', 'bin', 'lsinitrd')) and \
            os.path.isfile(os.path.join(root, 'usr', 'bin', 'lsinitramfs')):
        return root
    debs = os.path.join(BUILD, 'debs')
    if not os.path.isdir(debs):
        os.makedirs(debs)
    for package in PACKAGES:
        if not glob.glob(os.path.join(debs, package + '_*.deb')):
            log('apt-get download %s (into %s)' % (package, debs))
            if subprocess.call(['apt-get', 'download', '-q', package], cwd=debs) != 0:
                log('cannot download %s: lsinitrd / lsinitramfs are left out' % package)
                return None
    for deb in sorted(glob.glob(os.path.join(debs, '*.deb'))):
        run(['dpkg-deb', '-x', deb, root])
    return root


def collections_path():
    """The collection as Python imports it on a host: ansible_collections/fleetfix/kernel."""
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'fleetfix', 'kernel')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(TOP, link)
    return COLLECTIONS


def images(source):
    """Copy the initrd (it may be rebuilt while we run) and make the gzip and xz variants of
    the same archive, compressed as dracut does."""
    if not os.path.isdir(BUILD):
        os.makedirs(BUILD)
    main = os.path.join(BUILD, 'bookworm.zst')
    shutil.copyfile(source, main)
    with open(main, 'rb') as handle:
        if handle.read(4) != b'\x28\xb5\x2f\xfd':
            sys.exit('%s is not a zstd image without early cpio; this benchmark expects the dracut test image'
                     % source)
    archive = os.path.join(BUILD, 'bookworm.cpio')
    with open(archive, 'wb') as out:
        run(['zstd', '-dcq', main], stdout=out)
    made = [('zstd', main)]
    for kind, argv in (('gzip', ['gzip', '-n', '-9', '-c']),
                       ('xz', ['xz', '--check=crc32', '--lzma2=dict=1MiB', '-T0', '-c'])):
        path = os.path.join(BUILD, 'bookworm.' + ('gz' if kind == 'gzip' else kind))
        with open(archive, 'rb') as src:
            with open(path, 'wb') as out:
                run(argv, stdin=src, stdout=out)
        made.append((kind, path))
    return made, os.path.getsize(archive)


def timed(argv, env=None):
    """Wall and CPU (user + system of the children) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(os.devnull, 'wb') as null:
        status = subprocess.call(argv, stdout=null, stderr=null, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if status != 0:
        raise SystemExit('failed (%d): %s' % (status, ' '.join(argv)))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def commands(kind, path, root, python):
    # module_utils reach a host inside the AnsiballZ zip and are compiled on every run: no .pyc
    ours_env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    cmds = [
        ('ours', [python, '-c', OURS, collections_path(), path], ours_env),
        ('start', [python, '-c', START], ours_env),
        ('import', [python, '-c', IMPORT, collections_path()], ours_env),
        ('raw', ['sh', '-c', DECOMPRESS[kind] + ' "$0" | cpio -t --quiet', path], None),
        ('decode', ['sh', '-c', DECODE[kind] + ' "$0" >/dev/null', path], None),
    ]
    if kind == 'xz':  # the raw pipeline with the decoder list_image runs
        cmds.append(('raw_mt', ['sh', '-c', 'xz -dc -T0 "$0" | cpio -t --quiet', path], None))
    if root:
        env = dict(os.environ, dracutbasedir=os.path.join(root, 'usr', 'lib', 'dracut'))
        cmds.append(('lsinitrd', ['bash', os.path.join(root, 'usr', 'bin', 'lsinitrd'), path], env))
        env = dict(os.environ, PATH=os.path.join(root, 'usr', 'bin') + os.pathsep + os.environ.get('PATH', ''))
        cmds.append(('lsinitramfs', ['sh', os.path.join(root, 'usr', 'bin', 'lsinitramfs'), path], env))
    return cmds


def audit_commands(kind, path, kver, python):
    """Three installed kernels, each with a copy of the image: the audit's early stop against
    full listings of the same three images, each run a fresh interpreter."""
    paths = []
    for number in range(3):
        copy = os.path.join(BUILD, 'kernels', '%s-%d' % (os.path.basename(path), number))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copyfile(path, copy)
        paths.append(copy)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE='1')
    return [('audit3', [python, '-c', AUDIT, collections_path(), kver, REQUIRED] + paths, env),
            ('full3', [python, '-c', FULL3, collections_path(), kver, REQUIRED] + paths, env)]


def check(kind, path):
    """list_image finds what cpio -t finds."""
    sys.path.insert(0, collections_path())
    from ansible_collections.fleetfix.kernel.plugins.module_utils import initramfs
    result = initramfs.list_image(path)
    listed = subprocess.check_output(['sh', '-c', DECOMPRESS[kind] + ' "$0" | cpio -t --quiet', path])
    if result['entries'] != len(listed.splitlines()):
        raise SystemExit('%s: list_image counts %d entries, cpio -t %d' % (path, result['entries'], len(listed.splitlines())))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--reps', type=int, default=9, help='repetitions of each command (median taken)')
    parser.add_argument('--image', default=DEFAULT_IMAGE, help='the zstd dracut initrd (default: %(default)s)')
    parser.add_argument('--json', help='also write the numbers here')
    parser.add_argument('--python', default='/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable,
                        help='the interpreter list_image runs under, as a module would (default: %(default)s)')
    args = parser.parse_args()
    if not os.path.isfile(args.image):
        sys.exit('no test image at %s: build it with `make images` (tests/testhost/build-image.sh bookworm)'
                 % args.image)
    for program in ('zstd', 'gzip', 'xz', 'cpio'):
        if not shutil.which(program):
            sys.exit('the %s program is missing (apt-get install zstd xz-utils cpio)' % program)
    info = machine()
    info['python'] = subprocess.check_output([args.python, '-c', 'import sys; print(sys.version.split()[0])'],
                                             universal_newlines=True).strip() + ' (' + args.python + ')'

    root = tools()
    made, cpio_size = images(args.image)
    log('machine: %d CPUs, %s; load average %.2f %.2f %.2f'
        % ((info['nproc'], info['cpu']) + tuple(info['loadavg'])))
    rows = []
    kver = sorted(check('zstd', made[0][1])['kernel_versions'])[-1]
    for kind, path in made:
        result = check(kind, path)
        cmds = commands(kind, path, root, args.python) + audit_commands(kind, path, kver, args.python)
        for name, argv, env in cmds:  # warm the page cache and the .pyc
            timed(argv, env)
        walls = dict((cmd[0], []) for cmd in cmds)
        cpus = dict((cmd[0], []) for cmd in cmds)
        for dummy in range(args.reps):  # interleaved, so load from elsewhere hits every command alike
            for name, argv, env in cmds:
                wall, cpu = timed(argv, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
        row = {'image': os.path.basename(path), 'compression': kind, 'size': os.path.getsize(path),
               'cpio_size': cpio_size, 'entries': result['entries'], 'reps': args.reps}
        for name in walls:
            row[name] = median(walls[name])
            row[name + '_cpu'] = median(cpus[name])
        rows.append(row)
        log('%s done' % path)
    info['loadavg_end'] = os.getloadavg()
    report(rows, info, root)
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump({'machine': info, 'rows': rows}, handle, indent=1)


def report(rows, info, root):
    print('machine: nproc=%d, CPU %s, Python %s, kernel %s' % (info['nproc'], info['cpu'], info['python'], info['kernel']))
    print('load average at start %.2f, at end %.2f (1 min)' % (info['loadavg'][0], info['loadavg_end'][0]))
    print('median of %d runs each, wall seconds (CPU seconds user+sys in brackets; ratios of wall (of CPU))' % rows[0]['reps'])
    print('')

    def cell(row, name):
        if name not in row:
            return 'n/a'
        return '%.3f (%.3f)' % (row[name], row[name + '_cpu'])

    def ratio(row, a, b):
        if a not in row or b not in row:
            return 'n/a'
        return '%.2f (%.2f)' % (row[a] / row[b], row[a + '_cpu'] / row[b + '_cpu'])
    head = '| image | size | entries | list_image | raw `-dc \\| cpio -t` | lsinitrd | lsinitramfs | lsinitrd/ours | ours/raw |'
    print(head)
    print('|' + '---|' * 9)
    for row in rows:
        print('| %s (%s) | %.1f MB | %d | %s | %s | %s | %s | %s | %s |' % (
            row['image'], row['compression'], row['size'] / 1e6, row['entries'], cell(row, 'ours'), cell(row, 'raw'),
            cell(row, 'lsinitrd'), cell(row, 'lsinitramfs'), ratio(row, 'lsinitrd', 'ours'), ratio(row, 'ours', 'raw')))
    print('')
    print('Where the time of list_image goes (wall): interpreter start (`python3 -c "import sys, json"`), the import '
          '(compiled each run, as in AnsiballZ), the listing (the rest: decoding, reading, parsing, JSON); the decoder '
          'alone (%s, output to /dev/null) is the floor of the listing' % ', '.join(sorted(DECODE.values())))
    print('')
    print('| image | interpreter start | import | listing | decoder alone | total |')
    print('|---|---|---|---|---|---|')
    for row in rows:
        print('| %s | %.3f | %.3f | %.3f | %.3f | %.3f |' % (
            row['image'], row['start'], row['import'] - row['start'], row['ours'] - row['import'], row['decode'],
            row['ours']))
    for row in rows:
        if 'raw_mt' in row:
            print('')
            print('%s: `xz -dc -T0 | cpio -t` %s, ours/that %s' % (row['image'], cell(row, 'raw_mt'), ratio(row, 'ours', 'raw_mt')))
    print('')
    print('Early stop: three installed kernels, three copies of the image; the audit path (required %s, '
          'early stop: entries no longer collected, every image still decoded and checked to its end) against '
          'full listings, one interpreter each' % REQUIRED)
    print('')
    print('| images | full scan x3 | audit (early stop) x3 | gain (full/audit) |')
    print('|---|---|---|---|')
    for row in rows:
        print('| 3 x %s | %s | %s | %s |' % (row['image'], cell(row, 'full3'), cell(row, 'audit3'), ratio(row, 'full3', 'audit3')))
    print('')
    ok = all(row['ours'] / row['raw'] <= 1.2 for row in rows) and \
        all('lsinitrd' not in row or row['lsinitrd'] / row['ours'] >= 5 for row in rows)
    print('goals (lsinitrd/ours >= 5, ours/raw <= 1.2, wall): %s' % ('met' if ok else 'NOT met'))
    if not root:
        print('lsinitrd / lsinitramfs: not available (apt-get download failed)')


if __name__ == '__main__':
    main()
