import { z } from 'zod';

export const captionsStatusSchema = z.object({
  running: z.boolean(),
  /** Overlay page URL including the token; null while stopped. */
  overlayUrl: z.string().nullable(),
  captionsUrl: z.string().nullable(),
  host: z.string(),
  port: z.number().int(),
  subscribers: z.number().int(),
});
export type CaptionsStatus = z.infer<typeof captionsStatusSchema>;
