// The store's one error class, in its own file so that migrations and the store can both use it
// without importing each other.

/** A store failure whose message says what is wrong and where (database path, series, option). */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
