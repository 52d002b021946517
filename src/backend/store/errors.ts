// Store failures that are the client's doing; the API maps them to 4xx (api/errors.ts).
/** not_found -> 404, gone (removed by moderation) -> 410, conflict -> 409, invalid -> 400. */
export type StoreErrorKind = 'not_found' | 'gone' | 'conflict' | 'invalid';

export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  /** The input field at fault, when there is one (e.g. 'handle'). */
  readonly field?: string;
  constructor(kind: StoreErrorKind, message: string, field?: string) {
    super(message);
    this.name = 'StoreError';
    this.kind = kind;
    this.field = field;
  }
}
