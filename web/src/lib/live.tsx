// The live store in React: one store for the app, read with useLive() (re-renders on every change).
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { LiveState } from './live-state';
import type { LiveStore } from './live-store';

const LiveContext = createContext<LiveStore | undefined>(undefined);

export function LiveProvider({ store, children }: { store: LiveStore; children: ReactNode }) {
  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
}

/** The live state: SLA statuses, active alerts, transitions seen, and the stream's connection. */
export function useLive(): LiveState {
  const store = useContext(LiveContext);
  if (store === undefined) throw new Error('useLive needs a LiveProvider');
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
