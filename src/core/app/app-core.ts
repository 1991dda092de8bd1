import { EarshotError } from '../../shared/errors.ts';
import type { AppCore, AppCoreOptions } from './types.ts';

/** Composes the core services into one handler table. (Being written by the lead.) */
export function createAppCore(_options: AppCoreOptions): Promise<AppCore> {
  return Promise.reject(new EarshotError('NOT_AVAILABLE', 'The app core is not assembled yet.'));
}
