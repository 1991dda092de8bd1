import { closeSync, openSync } from 'node:fs';

/**
 * PortAudio and naudiodon print banners with C `printf` ("PortAudio V19…", "Input device name
 * is …") on stdout, which the capture process shares with its parent — the CLI's stdout, where
 * `earshot devices --json` must print exactly JSON. Node cannot dup2, but closing fd 1 and
 * opening a file gives the lowest free descriptor, 1 again: point it at our stderr when that
 * can be reopened (a terminal or a file), else at /dev/null (stderr is a socket under fork).
 * Our own output travels over IPC, never stdout.
 */
export function keepNativeChatterOffStdout(): void {
  if (process.platform === 'win32') return;
  closeSync(1);
  let fd: number;
  try {
    fd = openSync(process.platform === 'linux' ? '/proc/self/fd/2' : '/dev/null', 'w');
  } catch {
    // ENXIO: stderr is a socket, which cannot be reopened by path; silence is the next best.
    fd = openSync('/dev/null', 'w');
  }
  // Called first thing at startup, before any other file is opened, so fd 1 is what we get;
  // should it not be, the spare descriptor is released rather than leaked.
  if (fd !== 1) closeSync(fd);
}
