// The store's one error class, in its own file so that migrations and the store can both use it
// without importing each other.

/** A store failure whose message says what is wrong and where (database path, series, option). */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Whether `error` is SQLite's "database or disk is full" (SQLITE_FULL): the data dir's filesystem has no
 * space left. Nothing of the failed write was stored; it succeeds again once space is freed.
 */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 'SQLITE_FULL') return true;
  }
  return false;
}

/** Seconds a client should wait before retrying a write refused for a full disk (the Retry-After answered). */
export const DISK_FULL_RETRY_AFTER_SECONDS = 30;

/**
 * The message for a write refused because the data directory's disk is full: `lost` says what of the
 * write was not stored (e.g. "nothing of this request was stored"), then what to do.
 */
export function diskFullMessage(lost: string): string {
  return `the data directory's disk is full: ${lost}; free space on it and retry`;
}
