/**
 * The environment a child process (capture, engine, their helpers) starts with: the parent's,
 * minus every API key and credential. Children never talk to a cloud service (main does), so
 * they have no use for one, and a native library crashing or logging its environment, or a
 * helper it starts, must not carry the person's keys along.
 */

/** Variables that hold keys whatever their name says (cloud SDKs, CI, package registries). */
const KNOWN_SECRETS = new Set([
  'OPENAI_API_KEY',
  'DEEPGRAM_API_KEY',
  'ASSEMBLYAI_API_KEY',
  'EARSHOT_ENGINE_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'AZURE_CLIENT_SECRET',
  'NPM_CONFIG__AUTH',
]);

/** `*_API_KEY`, `*_TOKEN`, `*_SECRET` and their close kin (`*_SECRET_KEY`, `*_ACCESS_KEY`, `*_PASSWORD`). */
const SECRET_NAME = /(?:^|_)(?:API_?KEY|TOKEN|SECRET|SECRET_KEY|ACCESS_KEY|PASSWORD|PASSWD)$/i;

export function isSecretVariable(name: string): boolean {
  return KNOWN_SECRETS.has(name.toUpperCase()) || SECRET_NAME.test(name);
}

/** `base` (the parent's environment) overlaid with `extra`, without undefined values or secrets. */
export function childEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...base, ...extra })) {
    if (value !== undefined && !isSecretVariable(name)) env[name] = value;
  }
  return env;
}
