import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { formatLogRecord, type LogSink } from './logger.ts';

export interface RotatingFileOptions {
  readonly dir: string;
  readonly fileName?: string;
  /** Size at which the current file is rotated; a single line is never split. */
  readonly maxBytes?: number;
  /** Files kept in all, the current one included: earshot.log, earshot.log.1 … .(maxFiles-1). */
  readonly maxFiles?: number;
  /** Where to say, once, that the log cannot be written (default: stderr). */
  readonly onError?: (error: unknown) => void;
}

/**
 * A size-rotated log file. Writes are synchronous on purpose: log lines are few, and a line
 * written just before a crash must reach the disk, which is exactly when the log matters.
 */
export class RotatingFile {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #maxFiles: number;
  readonly #onError: (error: unknown) => void;
  #fd: number | null = null;
  #size = 0;
  #failed = false;

  constructor(options: RotatingFileOptions) {
    this.path = join(options.dir, options.fileName ?? 'earshot.log');
    this.#maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.#maxFiles = Math.max(1, options.maxFiles ?? 5);
    this.#onError =
      options.onError ?? ((error) => process.stderr.write(`earshot: cannot write the log file: ${String(error)}\n`));
    mkdirSync(options.dir, { recursive: true });
  }

  write(line: string): void {
    const data = line.endsWith('\n') ? line : `${line}\n`;
    const bytes = Buffer.byteLength(data);
    try {
      if (this.#fd === null) this.#open();
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
      writeSync(this.#fd!, data);
      this.#size += bytes;
      this.#failed = false;
    } catch (error) {
      this.#closeQuietly();
      // Say it once per outage, not once per line.
      if (!this.#failed) this.#onError(error);
      this.#failed = true;
    }
  }

  close(): void {
    this.#closeQuietly();
  }

  #open(): void {
    this.#fd = openSync(this.path, 'a', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  #rotate(): void {
    this.#closeQuietly();
    if (this.#maxFiles === 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${this.#maxFiles - 1}`, { force: true });
      for (let index = this.#maxFiles - 2; index >= 1; index -= 1)
        renameIfPresent(`${this.path}.${index}`, `${this.path}.${index + 1}`);
      renameIfPresent(this.path, `${this.path}.1`);
    }
    this.#open();
  }

  #closeQuietly(): void {
    if (this.#fd === null) return;
    const fd = this.#fd;
    this.#fd = null;
    try {
      closeSync(fd);
    } catch (error) {
      this.#onError(error);
    }
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** A log sink writing formatted records to a rotating file (and optionally echoing them). */
export function createRotatingFileSink(file: RotatingFile, echo?: (line: string) => void): LogSink {
  return (record) => {
    const line = formatLogRecord(record);
    file.write(line);
    echo?.(line);
  };
}
