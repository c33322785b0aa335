// A small history router (no hash): the address bar is the state, so every SLA, alert and page has a
// deep link that can go into an alert's annotations. Links are real <a href> elements: they open in a
// new tab, copy as URLs and work from the keyboard; plain clicks navigate without a reload.
import {
  createContext,
  useContext,
  useEffect,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

export interface Location {
  pathname: string;
  search: string;
}

const listeners = new Set<() => void>();
let current: Location | undefined;

function read(): Location {
  const { pathname, search } = window.location;
  if (current === undefined || current.pathname !== pathname || current.search !== search) {
    current = { pathname, search };
  }
  return current;
}

function notify(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('popstate', notify);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

/** Goes to `to` (a path on this server) without a reload; `replace` keeps the history length. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** The current location; re-renders on navigation. */
export function useLocation(): Location {
  return useSyncExternalStore(subscribe, read, read);
}

/** The query parameters of the current location. */
export function useSearchParams(): URLSearchParams {
  return new URLSearchParams(useLocation().search);
}

/** Matches `/slas/:name` against a path; the parameters decoded, or undefined. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

/** A path with its parameters encoded: `path('/slas/:name', { name })`. */
export function path(pattern: string, params: Record<string, string> = {}): string {
  return pattern.replace(/:(\w+)/g, (_, key: string) => encodeURIComponent(params[key] ?? ''));
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; children: ReactNode };

/** An in-app link: navigates without a reload on a plain left click, behaves as a link otherwise. */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (rest.target !== undefined && rest.target !== '_self')
    )
      return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

const TitleContext = createContext('slactl');

/** Sets the document title while the page is shown (screen readers announce it on navigation). */
export function useTitle(title: string): void {
  const suffix = useContext(TitleContext);
  useEffect(() => {
    document.title = `${title} · ${suffix}`;
  }, [title, suffix]);
}
