import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Journal folders whose writes really fail, for whoever runs the tests — including root,
 * which ignores permission bits (a `chmod 555` folder is writable for root):
 *
 * - read-only: as a normal user, `chmod 555` (EACCES). As root, a read-only bind mount of
 *   the folder over itself inside a private mount namespace (`unshare --mount`), so the
 *   CLI gets EROFS exactly as on a read-only disk, and nothing outside the test sees it.
 * - full: a 4 KiB tmpfs mounted on the folder inside a private mount namespace and filled
 *   by a `filler` file, so every journal write gets ENOSPC — until the test deletes the
 *   filler through `/proc/<cli pid>/root/…` (the CLI's view of the file system).
 *
 * The namespace wrapper ends by exec'ing the CLI, so the spawned pid is the CLI's.
 */
export interface StorageFault {
  /** Prefix for `startCli(…, { wrapper })`, or empty when the CLI runs as is. */
  readonly wrapper: readonly string[];
  /** How the fault is made, for test output. */
  readonly how: string;
  /** Undoes what was done outside the namespace (permission bits). */
  restore(): void;
}

/** The `unshare` arguments that give a private mount namespace here, or null (with why). */
export const mountNamespace: { args: readonly string[] | null; reason: string } = probeMountNamespace();

function probeMountNamespace(): { args: readonly string[] | null; reason: string } {
  const target = mkdtempSync(join(tmpdir(), 'earshot-ns-probe-'));
  try {
    const attempts = [['--mount'], ['--user', '--map-root-user', '--mount']];
    const errors: string[] = [];
    for (const args of attempts) {
      const probe = spawnSync(
        'unshare',
        [...args, 'sh', '-c', 'mount -t tmpfs -o size=4k earshot-probe "$0" && touch "$0/ok"', target],
        { encoding: 'utf8', timeout: 10_000 },
      );
      if (probe.status === 0) return { args, reason: '' };
      errors.push(
        `unshare ${args.join(' ')}: ${(probe.error?.message ?? probe.stderr).trim() || `exit ${probe.status}`}`,
      );
    }
    return { args: null, reason: `no private mount namespace (${errors.join('; ')})` };
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}

const isRoot = process.getuid?.() === 0;

/** Why a read-only journal folder cannot be made here, or null. */
export function readOnlyUnavailableReason(): string | null {
  if (!isRoot) return null;
  return mountNamespace.args ? null : `running as root, which ignores chmod, and ${mountNamespace.reason}`;
}

/** Why a full journal disk cannot be made here, or null. */
export function fullDiskUnavailableReason(): string | null {
  return mountNamespace.args ? null : mountNamespace.reason;
}

export function readOnlyJournal(dir: string): StorageFault {
  if (!isRoot) {
    chmodSync(dir, 0o555);
    return { wrapper: [], how: 'chmod 555', restore: () => chmodSync(dir, 0o755) };
  }
  const args = mountNamespace.args;
  if (!args) throw new Error(readOnlyUnavailableReason() ?? 'no way to make a read-only folder');
  return {
    wrapper: [
      'unshare',
      ...args,
      'sh',
      '-c',
      'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"',
      dir,
    ],
    how: 'read-only bind mount in a private mount namespace (EROFS)',
    restore: () => {},
  };
}

export function fullJournalDisk(dir: string): StorageFault {
  const args = mountNamespace.args;
  if (!args) throw new Error(mountNamespace.reason);
  return {
    wrapper: [
      'unshare',
      ...args,
      'sh',
      '-c',
      // The filler takes the tmpfs's only page; head's own ENOSPC once it is full is expected.
      'mount -t tmpfs -o size=4k,mode=0755 earshot-full "$0" && { head -c 8192 /dev/zero > "$0/filler" 2>/dev/null; exec "$@"; }',
      dir,
    ],
    how: '4 KiB tmpfs filled by a filler file, in a private mount namespace (ENOSPC)',
    restore: () => {},
  };
}

/** A path as the process `pid` sees it (its mount namespace), from outside. */
export function inProcessView(pid: number, path: string): string {
  return join(`/proc/${pid}/root`, path);
}
