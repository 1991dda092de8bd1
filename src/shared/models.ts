import { z } from 'zod';

export const modelKinds = ['online', 'offline'] as const;
export type ModelKind = (typeof modelKinds)[number];

export const catalogModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(modelKinds),
  language: z.string(),
  sizeBytes: z.number(),
  license: z.string(),
  description: z.string(),
  isDefault: z.boolean(),
  /** False when the catalog has no verified checksum for it: listed, but never downloaded. Absent means true. */
  downloadable: z.boolean().optional(),
  /** Why it is not downloadable, in words a person can read. */
  notOfferedReason: z.string().optional(),
  /** Bytes of an unfinished download kept to resume (the Models page offers to discard them). */
  partialBytes: z.number().optional(),
});
export type CatalogModel = z.infer<typeof catalogModelSchema>;

export const installedModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(modelKinds),
  dir: z.string(),
  sizeBytes: z.number(),
  purpose: z.string(),
  /** Shipped inside the installer: always there, cannot be deleted. */
  bundled: z.boolean().optional(),
});
export type InstalledModel = z.infer<typeof installedModelSchema>;

export const modelsStateSchema = z.object({
  installed: z.array(installedModelSchema),
  catalog: z.array(catalogModelSchema),
  activeModelId: z.string().nullable(),
  diskUsageBytes: z.number(),
});
export type ModelsState = z.infer<typeof modelsStateSchema>;

export const modelProgressSchema = z.object({
  id: z.string(),
  phase: z.enum(['downloading', 'verifying', 'extracting', 'installed', 'failed', 'cancelled']),
  receivedBytes: z.number(),
  totalBytes: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ModelProgress = z.infer<typeof modelProgressSchema>;
