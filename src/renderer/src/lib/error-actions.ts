import { errorAction, isErrorCode, type ErrorActionKind, type ErrorCode } from '../../../shared/errors.ts';

/**
 * What a person can do about an error, as one button beside its message. Main's message
 * already says what happened and what to do; the action makes doing it one click away. Which
 * action fits an error is written in the error catalog; how its button reads is UI text, here.
 */
export interface ErrorAction {
  readonly kind: ErrorActionKind;
  readonly label: string;
}

const LABELS: Readonly<Record<ErrorActionKind, string>> = {
  'open-settings': 'Open Settings',
  'open-models': 'Open Models',
  'refresh-devices': 'Refresh microphones',
  reload: 'Reload',
  retry: 'Try again',
};

export function errorActionOf(kind: ErrorActionKind): ErrorAction {
  return { kind, label: LABELS[kind] };
}

export function actionForError(code: ErrorCode): ErrorAction {
  // A payload is typed, but it crossed a process (or network) boundary: a code this build does
  // not know (a newer main behind the web bridge) still gets a button.
  return errorActionOf(isErrorCode(code) ? errorAction(code) : 'retry');
}
