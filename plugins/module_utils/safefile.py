# -*- coding: utf-8 -*-
# Copyright (c) fleetfix.kernel contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way this collection replaces a boot file (grub.cfg, grub.conf, an initramfs image,
a dracut drop-in, initramfs-tools' ``modules``): never half-written, never the wrong file,
never without the copies to go back to.

What ansible-core's ``AnsibleModule.atomic_move`` does, kept: the new file is written beside
the old one (same directory, so same filesystem), takes the old one's owner, group and mode,
and is renamed over it - rename(2) is atomic, so a reader, or the boot loader after a power
cut, sees the old file or the new one. What it lacks, added:

- **Symlinks are resolved**, the whole chain (a loop or a dangling link is an error naming the
  path): EL's ``/etc/grub2.cfg`` -> ``../boot/grub2/grub.cfg``, a ``grub.conf`` pointing into
  ``/boot/efi``. The real file is replaced; the link stays as it is.
- **Every attribute is kept**: owner, group, mode and the extended attributes, the SELinux
  label (``security.selinux``) among them. Python 3 copies them with ``os.listxattr`` /
  ``getxattr`` / ``setxattr``; Python 2.7 has no xattr API, so the host's ``getfattr`` /
  ``setfattr`` (attr package) are used, else ``cp --attributes-only --preserve=xattr`` plus
  ``chcon --reference`` for the label. ``result['xattrs']`` says which way was taken.
- **fsync** of the new file, of the copies, and of the directory after the rename.
- **Aside files** are created with ``O_CREAT|O_EXCL|O_NOFOLLOW`` under a random hidden name
  ``.NAME.fleetfix-new.XXXXXXXX``: a file or a planted symlink of that name is never opened,
  let alone written through (the name is drawn again).
- **Two copies of the old file**: ``NAME.fleetfix.orig``, the first known-good copy - made the
  first time the file is replaced, never overwritten afterwards -, and ``NAME.fleetfix.bak``,
  the file as it was before the latest replacement (replaced each time). Both keep the old
  file's owner, mode, xattrs and modification time.
- **A verify callback** runs on the aside file before the swap.
- **Any failure leaves the old file byte for byte and nothing behind**: an exception, a full
  disk (ENOSPC), a failing rename - the aside file and any copy made by this call are removed,
  and a ``.fleetfix.bak`` this call was replacing is put back. Only a process killed outright
  (SIGKILL, power cut) can leave an aside file; it is hidden (``.NAME.fleetfix-new.XXXXXXXX``),
  is never read by anything, and the next call for that file removes it.

The API::

    replace_bytes(path, data, verify=None, new_mode=0o644, backup=True) -> result
        for files this collection generates (grub.conf, dracut drop-ins, initramfs-tools modules)
    aside = new_aside(path); <a tool writes aside>; install_aside(path, aside, verify=None, ...) -> result
        for files a tool builds (dracut / mkinitramfs write the new image to ``aside``)
    restore(path, copy_path) -> result      put a kept copy back, the same safe way
    kept_copies(path) -> {'orig': ..., 'backup': ...}   where the copies of ``path`` live

``result`` is ``{'path', 'real_path', 'changed', 'backup', 'orig', 'orig_created', 'xattrs'}``.

Restoring by hand (also in docs/boot-safety.md)::

    cp -a /boot/initrd.img-6.1.0-50-amd64.fleetfix.orig /boot/.initrd.img-6.1.0-50-amd64.restore
    mv /boot/.initrd.img-6.1.0-50-amd64.restore /boot/initrd.img-6.1.0-50-amd64   # atomic
    sync

(``cp -a`` keeps owner, mode, timestamps and xattrs; ``mv`` within one directory is a rename.
For a symlinked configuration, restore onto the link's target: ``readlink -f /etc/grub2.cfg``.)

Runs on the managed host: Python 2.7 and 3.6+, standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import errno
import os
import stat
import subprocess

ORIG_SUFFIX = '.fleetfix.orig'
BACKUP_SUFFIX = '.fleetfix.bak'
ASIDE_MARK = '.fleetfix-new'
MAX_SYMLINKS = 40  # as the kernel's path walk (ELOOP after 40 links)
CHUNK = 1 << 20
PROGRAM_DIRS = ('/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin')

# Python 3.3+ has the xattr calls; Python 2.7 takes the host's programs (see _copy_xattrs).
HAVE_XATTR_API = hasattr(os, 'listxattr')
_NO_XATTR = tuple(getattr(errno, name) for name in ('ENOTSUP', 'EOPNOTSUPP', 'ENOSYS') if hasattr(errno, name))
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0))
_READ_FLAGS = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)


class SafeFileError(Exception):
    """A boot file cannot be replaced safely; the message names the path and why. The file
    itself is as it was."""

    def __init__(self, message, path=None):
        super(SafeFileError, self).__init__(message)
        self.path = path


# ---------------------------------------------------------------------------------------
# Where things are


def resolve(path):
    """The regular file ``path`` names, every symlink followed (the chain, one link at a time,
    relative targets taken from the link's own directory). A path that does not exist yet
    resolves to itself (a new file). A loop, more than 40 links, a dangling link, a missing
    directory or something that is not a regular file is a SafeFileError naming ``path``."""
    current = os.path.abspath(path)
    seen = []
    while True:
        directory = os.path.dirname(current)
        if not os.path.isdir(directory):
            if seen:
                raise SafeFileError('%s is a dangling symlink: %s does not exist' % (path, directory), path)
            raise SafeFileError('%s: directory %s does not exist' % (path, directory), path)
        current = os.path.join(os.path.realpath(directory), os.path.basename(current))
        if not os.path.islink(current):
            break
        if current in seen:
            raise SafeFileError('%s: symlink loop (%s)' % (path, ' -> '.join(seen + [current])), path)
        if len(seen) >= MAX_SYMLINKS:
            raise SafeFileError('%s: more than %d symlinks to follow' % (path, MAX_SYMLINKS), path)
        seen.append(current)
        target = os.readlink(current)
        current = os.path.join(os.path.dirname(current), target)
    if os.path.basename(current) in ('', '.', '..'):
        raise SafeFileError('%s resolves to %s, not a file' % (path, current), path)
    if not os.path.lexists(current):
        if seen:
            raise SafeFileError('%s is a dangling symlink: %s does not exist' % (path, current), path)
        return current
    mode = os.lstat(current).st_mode
    if not stat.S_ISREG(mode):
        raise SafeFileError('%s%s is not a regular file' % (path, ' (-> %s)' % current if seen else ''), path)
    return current


def kept_copies(path):
    """Where the kept copies of ``path`` are (beside the real file, symlinks resolved), whether
    they exist or not: {'orig': ..., 'backup': ...}."""
    real = resolve(path)
    return {'orig': real + ORIG_SUFFIX, 'backup': real + BACKUP_SUFFIX}


def _aside_prefix(real):
    return '.%s%s' % (os.path.basename(real), ASIDE_MARK)


def is_aside_of(real, candidate):
    """Whether ``candidate`` is an aside file of the real file ``real`` (same directory, named
    ``.NAME.fleetfix-new`` or ``.NAME.fleetfix-new.XXXX``)."""
    if os.path.dirname(os.path.abspath(candidate)) != os.path.dirname(real):
        return False
    name, prefix = os.path.basename(candidate), _aside_prefix(real)
    return name == prefix or (name.startswith(prefix + '.') and len(name) > len(prefix) + 1)


def cleanup_leftovers(path):
    """Remove the aside files a killed run left beside ``path``'s real file (never following a
    symlink: a planted one is removed, not its target). Returns the removed paths."""
    real = resolve(path)
    directory = os.path.dirname(real)
    removed = []
    for name in sorted(os.listdir(directory)):
        candidate = os.path.join(directory, name)
        if not is_aside_of(real, candidate):
            continue
        try:
            if stat.S_ISDIR(os.lstat(candidate).st_mode):
                continue
            os.unlink(candidate)
            removed.append(candidate)
        except OSError:
            pass
    return removed


def _random_suffix():
    return binascii.hexlify(os.urandom(4)).decode('ascii')


def _create_aside(real):
    """A new, empty aside file of ``real``, opened for writing: (fd, path). O_EXCL|O_NOFOLLOW:
    whatever sits at a drawn name - a file, a planted symlink - is left alone and a new name
    drawn."""
    directory = os.path.dirname(real)
    for _attempt in range(64):
        candidate = os.path.join(directory, '%s.%s' % (_aside_prefix(real), _random_suffix()))
        try:
            return os.open(candidate, _CREATE_FLAGS, 0o600), candidate
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ELOOP):
                continue
            raise
    raise SafeFileError('%s: could not create an aside file in %s (64 names taken)' % (real, directory), real)


def new_aside(path):
    """Step 1 of the two-step form: clean up what a killed run left, then create the empty
    aside file (O_EXCL|O_NOFOLLOW) a tool is to write the new version of ``path`` into.
    Returns its path. Pass it to install_aside(), or remove_quietly() it on failure."""
    real = resolve(path)
    cleanup_leftovers(real)
    fd, aside = _create_aside(real)
    os.close(fd)
    return aside


def remove_quietly(path):
    """Unlink ``path`` if it is there (a symlink is removed, not followed)."""
    if not path:
        return
    try:
        os.unlink(path)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------
# Bytes, attributes, sync


def _write_all(fd, data):
    pos = 0
    while pos < len(data):
        written = os.write(fd, data[pos:pos + CHUNK])
        if written <= 0:
            raise OSError(errno.EIO, 'write returned %d' % written)
        pos += written


def _copy_into(src, fd):
    """Copy the regular file ``src`` (not followed if a symlink) into the open ``fd``."""
    src_fd = os.open(src, _READ_FLAGS)
    try:
        while True:
            data = os.read(src_fd, CHUNK)
            if not data:
                break
            _write_all(fd, data)
    finally:
        os.close(src_fd)


def _read_all(path):
    fd = os.open(path, _READ_FLAGS)
    try:
        chunks = []
        while True:
            data = os.read(fd, CHUNK)
            if not data:
                return b''.join(chunks)
            chunks.append(data)
    finally:
        os.close(fd)


def _same_bytes(first, second):
    if os.path.getsize(first) != os.path.getsize(second):
        return False
    fd1, fd2 = os.open(first, _READ_FLAGS), os.open(second, _READ_FLAGS)
    try:
        while True:
            one, two = os.read(fd1, CHUNK), os.read(fd2, CHUNK)
            if one != two:
                return False
            if not one:
                return True
    finally:
        os.close(fd1)
        os.close(fd2)


def _fsync_path(path):
    fd = os.open(path, _READ_FLAGS)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory):
    """Make a rename in ``directory`` durable (some filesystems refuse fsync on a directory:
    EINVAL, then there is nothing more to do)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _which(name):
    dirs = os.environ.get('PATH', '').split(os.pathsep) + list(PROGRAM_DIRS)
    for directory in dirs:
        full = os.path.join(directory, name) if directory else None
        if full and os.path.isfile(full) and os.access(full, os.X_OK):
            return full
    return None


def _run(argv):
    env = dict(os.environ, LC_ALL='C')
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True, env=env)
    out, err = proc.communicate()
    return proc.returncode, out, err.decode('utf-8', 'replace').strip()


def selinux_enabled():
    return os.path.exists('/sys/fs/selinux/enforce') or os.path.exists('/selinux/enforce')


def _xattrs_python(src, dst):
    try:
        names = os.listxattr(src)  # novermin: guarded by HAVE_XATTR_API (Python 3.3+)
    except OSError as exc:
        if exc.errno in _NO_XATTR:
            return 'unsupported'
        raise
    for name in names:
        os.setxattr(dst, name, os.getxattr(src, name))  # novermin: guarded by HAVE_XATTR_API
    # A tool-built aside may carry attributes of its own (a label from where it was made).
    for name in os.listxattr(dst):  # novermin: guarded by HAVE_XATTR_API
        if name not in names:
            try:
                os.removexattr(dst, name)  # novermin: guarded by HAVE_XATTR_API
            except OSError:
                pass
    return 'python'


def parse_getfattr_dump(text):
    """``getfattr --dump --encoding=hex`` output -> [(name, value bytes)]."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        name, _sep, value = line.partition('=')
        if value.startswith('0x'):
            raw = binascii.unhexlify(value[2:])
        elif value.startswith('0s'):
            raw = binascii.a2b_base64(value[2:])
        else:
            raw = value.strip('"').encode('utf-8')
        found.append((name, raw))
    return found


def _xattrs_getfattr(getfattr, setfattr, src, dst):
    rc, out, err = _run([getfattr, '--absolute-names', '--dump', '--match=-', '--encoding=hex', '--', src])
    if rc != 0:
        if 'not supported' in err:
            return 'unsupported'
        raise SafeFileError('%s: cannot read its extended attributes (getfattr: %s)' % (src, err), src)
    for name, value in parse_getfattr_dump(out.decode('utf-8', 'replace')):
        argv = [setfattr, '-n', name]
        if value:
            argv += ['-v', '0x' + binascii.hexlify(value).decode('ascii')]
        rc, _out, err = _run(argv + ['--', dst])
        if rc != 0:
            raise SafeFileError('%s: cannot set extended attribute %s (setfattr: %s)' % (dst, name, err), dst)
    return 'getfattr'


def _xattrs_cp(cp, src, dst):
    rc, _out, err = _run([cp, '--attributes-only', '--preserve=xattr', '--', src, dst])
    if rc != 0:
        if 'unrecognized option' in err or 'invalid argument' in err:
            return None  # coreutils before 8.6 (EL 6): no --attributes-only
        raise SafeFileError('%s: cannot copy the extended attributes of %s (cp: %s)' % (dst, src, err), dst)
    method = 'cp'
    # cp --preserve=xattr leaves the SELinux label out (that is --preserve=context, which
    # fails on a host without SELinux): chcon copies it where there is one.
    chcon = _which('chcon')
    if chcon and selinux_enabled():
        rc, _out, err = _run([chcon, '--reference=%s' % src, '--', dst])
        if rc != 0:
            raise SafeFileError('%s: cannot copy the SELinux label of %s (chcon: %s)' % (dst, src, err), dst)
        method = 'cp+chcon'
    return method


def _copy_xattrs(src, dst):
    """Copy every extended attribute of ``src`` onto ``dst``; returns how: 'python',
    'getfattr', 'cp', 'cp+chcon', 'unsupported' (the filesystem has none) or 'none' (Python 2
    on a host without getfattr/setfattr and without a cp that can: they are not copied)."""
    if HAVE_XATTR_API:
        return _xattrs_python(src, dst)
    getfattr, setfattr = _which('getfattr'), _which('setfattr')
    if getfattr and setfattr:
        return _xattrs_getfattr(getfattr, setfattr, src, dst)
    cp = _which('cp')
    method = _xattrs_cp(cp, src, dst) if cp else None
    return method or 'none'


def copy_attributes(src, dst):
    """Give ``dst`` the owner, group, mode and extended attributes of ``src``. chown first (it
    clears set-id bits and file capabilities), then the xattrs, then the mode. Not keeping the
    owner is an error, not a silent root-owned file."""
    info = os.stat(src)
    try:
        os.chown(dst, info.st_uid, info.st_gid)
    except OSError as exc:
        now = os.stat(dst)
        if (now.st_uid, now.st_gid) != (info.st_uid, info.st_gid):
            raise SafeFileError('%s: cannot keep its owner %d:%d (%s)' % (src, info.st_uid, info.st_gid,
                                                                          exc.strerror or exc), src)
    method = _copy_xattrs(src, dst)
    os.chmod(dst, stat.S_IMODE(info.st_mode))
    return method


def _aside_with(real, fill):
    """A new aside file of ``real`` filled by ``fill(fd)`` and synced; removed again on failure."""
    fd, aside = _create_aside(real)
    try:
        try:
            fill(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        remove_quietly(aside)
        raise
    return aside


def _copy_aside(real, source=None):
    """A full copy of ``source`` (default ``real`` itself: bytes, attributes, timestamps) under
    a new aside name of ``real``, synced."""
    source = source or real
    copy = _aside_with(real, lambda fd: _copy_into(source, fd))
    try:
        copy_attributes(source, copy)
        info = os.stat(source)
        os.utime(copy, (info.st_atime, info.st_mtime))
    except BaseException:
        remove_quietly(copy)
        raise
    return copy


# ---------------------------------------------------------------------------------------
# The swap


def _result(path, real, changed=False, backup=None, orig_created=False, xattrs=None):
    orig = real + ORIG_SUFFIX
    return {'path': path, 'real_path': real, 'changed': changed, 'backup': backup,
            'orig': orig if os.path.lexists(orig) else None, 'orig_created': orig_created, 'xattrs': xattrs}


def _run_verify(verify, aside, real):
    if verify(aside) is False:
        raise SafeFileError('%s: the new version failed verification; the file is unchanged' % real, real)


def install_aside(path, aside, verify=None, new_mode=0o644, backup=True):
    """Step 2 of the two-step form: put the aside file (from new_aside(), written by a tool)
    in place of ``path``'s real file.

    ``verify(aside)`` runs first; raising (any exception, passed on) or returning False
    refuses the swap. Then the aside takes the old file's owner, group, mode and xattrs
    (``new_mode`` for a file that does not exist yet), is fsynced; the old file is copied to
    ``.fleetfix.orig`` when there is none (always: the first known-good copy is kept for
    good) and, with ``backup``, to ``.fleetfix.bak``; the
    aside is renamed over the real file and the directory fsynced. An aside identical to the
    file changes nothing (``changed`` false, no copies). On any failure the aside and every
    copy this call made are removed, a replaced ``.fleetfix.bak`` is put back, the file is as
    it was, and the exception is passed on."""
    real = resolve(path)
    directory = os.path.dirname(real)
    if not is_aside_of(real, aside):
        raise SafeFileError('%s is not an aside file of %s (.%s%s.XXXX in %s)' % (
            aside, real, os.path.basename(real), ASIDE_MARK, directory), real)
    made = []          # copies made by this call, removed on failure
    stash = None       # the previous .fleetfix.bak while it is being replaced
    bak = real + BACKUP_SUFFIX
    bak_replaced = False
    orig_created = False
    try:
        info = os.lstat(aside)
        if not stat.S_ISREG(info.st_mode):
            raise SafeFileError('%s: the new version %s is not a regular file; the file is unchanged' % (real, aside), real)
        if verify is not None:
            _run_verify(verify, aside, real)
        exists = os.path.exists(real)
        if exists and _same_bytes(real, aside):
            remove_quietly(aside)
            return _result(path, real, xattrs=None)
        if exists:
            xattrs = copy_attributes(real, aside)
        else:
            os.chmod(aside, new_mode)
            xattrs = None
        _fsync_path(aside)
        backup_path = None
        if exists:
            # The first known-good copy is kept whatever ``backup`` says: it is what a host
            # that cannot boot the new file is rescued with.
            orig = real + ORIG_SUFFIX
            orig_tmp = None if os.path.lexists(orig) else _copy_aside(real)
            if orig_tmp:
                made.append(orig_tmp)
            bak_tmp = _copy_aside(real) if backup else None
            if bak_tmp:
                made.append(bak_tmp)
            fsync_dir(directory)
            if orig_tmp:
                orig_created = _link_new(orig_tmp, orig)
                if orig_created:
                    made.append(orig)
        if exists and backup:
            stash = _stash(real, bak)
            if stash:
                made.append(stash)
            os.rename(bak_tmp, bak)  # atomic: the old .bak or the new one, never none
            bak_replaced = True
            made.remove(bak_tmp)
            backup_path = bak
        os.rename(aside, real)
        fsync_dir(directory)
    except BaseException:
        remove_quietly(aside)
        if bak_replaced:
            if stash:
                try:
                    os.rename(stash, bak)  # the .bak of before this call, back in place
                    made.remove(stash)
                except OSError:
                    pass
            else:
                remove_quietly(bak)
        for leftover in made:
            remove_quietly(leftover)
        raise
    remove_quietly(stash)
    return _result(path, real, True, backup_path, orig_created, xattrs)


def _stash(real, bak):
    """A second name for the current ``.fleetfix.bak`` while it is being replaced, so that a
    failed swap can put it back: a hard link (no copy), or a copy where the filesystem has no
    hard links (vfat). None when there is no regular .bak (a symlink planted there is not kept)."""
    try:
        if not stat.S_ISREG(os.lstat(bak).st_mode):
            return None
    except OSError:
        return None
    stash = os.path.join(os.path.dirname(real), '%s.%s' % (_aside_prefix(real), _random_suffix()))
    try:
        os.link(bak, stash)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            return _stash(real, bak)
        stash = _copy_aside(real, bak)
    return stash


def _link_new(copy, target):
    """Put ``copy`` at ``target`` only if nothing is there (link(2) never replaces); True when
    it was put there. Filesystems without hard links (vfat: /boot/efi) get a rename after a
    check."""
    try:
        os.link(copy, target)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            remove_quietly(copy)
            return False
        if os.path.lexists(target):
            remove_quietly(copy)
            return False
        os.rename(copy, target)
        return True
    remove_quietly(copy)
    return True


def replace_bytes(path, data, verify=None, new_mode=0o644, backup=True):
    """Make ``path``'s real file hold exactly ``data`` (bytes), the safe way (install_aside),
    then read it back and compare. Identical content changes nothing. Returns the result dict."""
    if not isinstance(data, bytes):
        raise TypeError('replace_bytes takes bytes, not %s' % type(data).__name__)
    real = resolve(path)
    cleanup_leftovers(real)
    if os.path.exists(real) and _read_all(real) == data:
        return _result(path, real)
    aside = _aside_with(real, lambda fd: _write_all(fd, data))
    result = install_aside(real, aside, verify=verify, new_mode=new_mode, backup=backup)
    result['path'] = path
    if _read_all(real) != data:
        if result['backup']:
            restore(real, result['backup'])
            raise SafeFileError('%s does not read back as written; the previous version was restored from %s'
                                % (real, result['backup']), real)
        raise SafeFileError('%s does not read back as written' % real, real)
    return result


def restore(path, backup_path):
    """Put the kept copy ``backup_path`` (``PATH.fleetfix.bak``, ``PATH.fleetfix.orig``) back
    over ``path``'s real file, the same safe way; the copy stays. None: nothing to restore
    (returns None). Returns the result dict."""
    if not backup_path:
        return None
    real = resolve(path)
    info = os.lstat(backup_path)
    if not stat.S_ISREG(info.st_mode):
        raise SafeFileError('%s: %s is not a regular file, not restored' % (real, backup_path), real)
    fd, aside = _create_aside(real)
    try:
        try:
            _copy_into(backup_path, fd)
            os.fsync(fd)
        finally:
            os.close(fd)
        xattrs = copy_attributes(backup_path, aside)
        os.utime(aside, (info.st_atime, info.st_mtime))
        _fsync_path(aside)
        os.rename(aside, real)
        fsync_dir(os.path.dirname(real))
    except BaseException:
        remove_quietly(aside)
        raise
    result = _result(path, real, True, None, False, xattrs)
    result['restored_from'] = backup_path
    return result


__all__ = ['SafeFileError', 'replace_bytes', 'new_aside', 'install_aside', 'restore', 'resolve', 'kept_copies',
           'cleanup_leftovers', 'remove_quietly', 'ORIG_SUFFIX', 'BACKUP_SUFFIX']
