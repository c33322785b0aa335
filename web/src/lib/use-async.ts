// Loading, error and data of one request, re-run when its key changes, cancelled when superseded.
import { useEffect, useState } from 'react';

export type Async<T> =
  { state: 'loading'; data?: T } | { state: 'error'; error: Error; data?: T } | { state: 'done'; data: T };

/** Runs `load` for `key`; keeps the previous data while a new key loads (no flashing). */
export function useAsync<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  refreshMs?: number,
): Async<T> & { reload: () => void } {
  const [result, setResult] = useState<Async<T>>({ state: 'loading' });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setResult((prev) =>
      prev.data === undefined ? { state: 'loading' } : { state: 'loading', data: prev.data },
    );
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ state: 'done', data });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setResult((prev) =>
          prev.data === undefined
            ? { state: 'error', error: error as Error }
            : { state: 'error', error: error as Error, data: prev.data },
        );
      },
    );
    let timer: number | undefined;
    if (refreshMs !== undefined) timer = window.setTimeout(() => setNonce((n) => n + 1), refreshMs);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // `load` is a fresh closure each render; the key says when it changes meaning.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, nonce]);
  return { ...result, reload: () => setNonce((n) => n + 1) };
}
