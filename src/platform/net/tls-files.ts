import { readFileSync } from 'node:fs';
import { EarshotError } from '../../shared/errors.ts';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The PEM certificate and key a server presents (`--tls-cert` / `--tls-key`), read once at start. */
export function readTlsFiles(tls: TlsFiles): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  } catch (error) {
    throw new EarshotError('INPUT_NOT_FOUND', `Cannot read the TLS certificate or key: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
