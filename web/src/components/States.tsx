// Loading, empty and error states, the same on every page.
import type { ReactNode } from 'react';
import { ApiRequestError } from '../api/http';

export function Loading({ what }: { what: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      Loading {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children}
    </div>
  );
}

/** An error with what to do about it; a 401 says how to sign in again. */
export function ErrorState({ error, what, onRetry }: { error: Error; what: string; onRetry?: () => void }) {
  const signedOut = error instanceof ApiRequestError && error.signedOut;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">Could not load {what}</p>
      <p>
        {signedOut
          ? 'Your session has ended. Open the dashboard link printed by slactl serve to sign in again.'
          : error.message}
        {error instanceof ApiRequestError && error.code !== 'network_error' && !signedOut ? (
          <>
            {' '}
            <code>{error.code}</code>
          </>
        ) : null}
      </p>
      {signedOut ? (
        // A full page load: without a session the server answers with its sign-in page.
        <a className="button" href={`${window.location.pathname}${window.location.search}`}>
          Sign in
        </a>
      ) : onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
