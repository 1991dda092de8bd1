/**
 * A child process seen from its parent, whatever started it: Node's `child_process.fork`
 * (CLI, tests, web bridge) or Electron's `utilityProcess.fork` (the app). Messages are
 * structured-cloned, so typed arrays cross without base64. This is the bare transport: what
 * crosses it is the envelope of src/shared/process-envelope.ts, put on and taken off by
 * ProcessHost and the child's ParentPort.
 */
export interface ChildHandle {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once; `code` is null when killed by a signal. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Lines the child wrote to stderr (native crashes land here, not in the log channel). */
  onStderr(listener: (text: string) => void): void;
  /**
   * What the child wrote to stdout, when the spawner pipes it (Node children do: a child must
   * never write into the CLI's own stdout, which may be jsonl). Native libraries print banners
   * there; the host logs them at debug level.
   */
  onStdout?(listener: (text: string) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  /** Absolute path of the child's entry module. */
  readonly modulePath: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Human name for logs: "capture", "engine". */
  readonly name: string;
}

export type SpawnChild = (options: SpawnOptions) => ChildHandle;
