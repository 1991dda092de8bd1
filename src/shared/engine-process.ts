import { z } from 'zod';
import { EarshotError } from './errors.ts';

/**
 * The engine child process's contract with the process that starts it (core's launcher):
 * its configuration (JSON in EARSHOT_ENGINE_CONFIG) and the messages it sends once. The
 * launcher builds and checks the configuration with the schema, the engine parses it; the
 * engine builds its messages with the types, the launcher parses them.
 */

/** What the engine tells about its model (also handed to the app's main process). */
export const modelInfoSchema = z.object({
  name: z.string(),
  kind: z.enum(['online', 'offline']),
  sampleRate: z.number().int().positive(),
  language: z.string(),
});
export type ModelInfo = Readonly<z.infer<typeof modelInfoSchema>>;

export const engineChildConfigSchema = z.object({
  modelDir: z.string(),
  vadModelPath: z.string().nullable().optional(),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
  token: z.string().min(1),
  workers: z.number().int().positive().optional(),
  /** The decode worker module when a bundler moved it (the app's out/main/decode-worker.js). */
  workerPath: z.string().optional(),
});
export type EngineChildConfig = Readonly<z.infer<typeof engineChildConfigSchema>>;

/** The environment variable the configuration travels in. */
export const ENGINE_CONFIG_ENV = 'EARSHOT_ENGINE_CONFIG';

export const engineChildMessageSchema = z.discriminatedUnion('type', [
  /** The server listens; sent once, just before the process says ready. */
  z.object({
    type: z.literal('listening'),
    url: z.string(),
    port: z.number().int(),
    token: z.string(),
    model: modelInfoSchema,
  }),
  /**
   * The engine cannot start (model missing or broken, bad configuration); it exits next. `code`
   * is an ErrorCode; the launcher falls back to ENGINE_START_FAILED for one it does not know.
   */
  z.object({ type: z.literal('start_failed'), code: z.string(), message: z.string() }),
]);
export type EngineChildMessage = z.infer<typeof engineChildMessageSchema>;

/** Checks a configuration and serialises it for ENGINE_CONFIG_ENV; throws ENGINE_START_FAILED naming what is wrong. */
export function serializeEngineConfig(config: EngineChildConfig): string {
  const parsed = engineChildConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new EarshotError('ENGINE_START_FAILED', `The engine configuration is invalid: ${describe(parsed.error)}`);
  return JSON.stringify(parsed.data);
}

/** Reads ENGINE_CONFIG_ENV in the engine; throws ENGINE_START_FAILED saying what is missing or malformed. */
export function parseEngineConfig(raw: string | undefined): EngineChildConfig {
  if (!raw)
    throw new EarshotError(
      'ENGINE_START_FAILED',
      `${ENGINE_CONFIG_ENV} is not set: start the engine through startLocalEngine.`,
    );
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new EarshotError('ENGINE_START_FAILED', `${ENGINE_CONFIG_ENV} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = engineChildConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new EarshotError('ENGINE_START_FAILED', `${ENGINE_CONFIG_ENV} is malformed: ${describe(parsed.error)}`);
  return parsed.data;
}

/** One line a person can act on: each problem with the field it is in. */
function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'the whole value'}: ${issue.message}`).join('; ');
}
