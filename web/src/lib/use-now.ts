// A clock that ticks for ages and "updated … ago" texts, shared by every component that shows one.
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
let timer: number | undefined;
const second = (): number => Math.floor(Date.now() / 1000) * 1000;
let now = second();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = second();
    timer = window.setInterval(() => {
      now = second();
      for (const l of listeners) l();
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      window.clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The current time (ms, whole seconds), updated every second. */
export function useNow(): number {
  // Without a running timer the shared value may be old: read the clock (stable within a second).
  const snapshot = () => (timer === undefined ? second() : now);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
