// A small history-API router: the console's paths live under /console/, and the list's search,
// tags and cursor live in the query string so that a page can be bookmarked or shared.
import { useEffect, useState } from "preact/hooks";

export const BASE = "/console";

export type Route =
  | { name: "contacts"; query: URLSearchParams }
  | { name: "contact"; id: string }
  | { name: "overview"; query: URLSearchParams }
  | { name: "not-found" };

export function parseRoute(url: URL): Route {
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
  if (path === "" || path === "/") return { name: "contacts", query: url.searchParams };
  if (path === "/overview") return { name: "overview", query: url.searchParams };
  const contact = /^\/contacts\/([^/]+)$/.exec(path);
  if (contact?.[1]) {
    try {
      return { name: "contact", id: decodeURIComponent(contact[1]) };
    } catch {
      return { name: "not-found" };
    }
  }
  return { name: "not-found" };
}

/** The console URL of `path` (`/overview`, `/contacts/x`) with `query`. */
export function href(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== "") params.set(key, value);
  }
  const search = params.toString();
  return `${BASE}${path}${search ? `?${search}` : ""}`;
}

export function contactHref(id: string): string {
  return href(`/contacts/${encodeURIComponent(id)}`);
}

const listeners = new Set<() => void>();

/** Goes to `url`; `replace` for changes that should not make a Back step (typing a search). */
export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const listener of listeners) listener();
}

/** The current location, re-rendered on navigation and Back/Forward. */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(location.href));
    listeners.add(update);
    addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", update);
    };
  }, []);
  return url;
}

/** Follows same-origin console links without a page load (keeps the tab's state). */
export function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.target || anchor.origin !== location.origin) return;
  if (!anchor.pathname.startsWith(BASE)) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
