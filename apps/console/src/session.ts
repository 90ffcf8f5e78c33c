// The API key lives in sessionStorage: this tab only, gone when the tab closes, never in a URL.
const STORAGE_KEY = "contacts-console.api-key";

/** The key this tab signed in with, if any. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
