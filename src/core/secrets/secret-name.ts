import { EarshotError } from '../../shared/errors.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Secret names become file names and environment variable names, so they are kept to
 * lowercase letters, digits and dashes (`openai`, `openai-compatible`): no path tricks.
 */
export function assertSecretName(name: string): void {
  if (!NAME.test(name)) {
    throw new EarshotError(
      'SECRETS_FAILED',
      `"${name.slice(0, 80)}" is not a valid key name (lowercase letters, digits, dashes).`,
    );
  }
}
