// A live store fed by hand for component tests: no stream, no timers.
import type { ReactNode } from 'react';
import { render } from '@testing-library/react';
import { LiveProvider } from '../lib/live';
import type { LiveAction } from '../lib/live-state';
import { LiveStore } from '../lib/live-store';

export function manualStore(): LiveStore {
  return new LiveStore({
    openStream: () => {
      throw new Error('no stream in component tests');
    },
    signedOut: () => Promise.resolve(false),
    fetchAlerts: () => Promise.resolve([]),
    now: () => 0,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
  });
}

/** Renders `ui` with a store that has seen `actions`; returns the store to send more. */
export function renderLive(ui: ReactNode, actions: LiveAction[] = []) {
  const store = manualStore();
  for (const a of actions) store.dispatch(a);
  const result = render(<LiveProvider store={store}>{ui}</LiveProvider>);
  return { ...result, store };
}
