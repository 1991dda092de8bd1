import type { ErrorPayload, Result } from '../../../shared/result.ts';

/** Where a store sends failures of verbs it called, so one place shows them to the person. */
export type Reporter = (error: ErrorPayload, context: string) => void;

/** Unwraps a result: the value, or null after reporting the error. */
export function valueOr<T>(result: Result<T>, report: Reporter, context: string): T | null {
  if (result.ok) return result.value;
  report(result.error, context);
  return null;
}

/** For verbs whose value is null: true when they worked, false after reporting why not. */
export function succeeded(result: Result<unknown>, report: Reporter, context: string): boolean {
  if (result.ok) return true;
  report(result.error, context);
  return false;
}
