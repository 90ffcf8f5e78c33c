// The console's frame: signed out, the sign-in form; signed in, a header (workspace pages, sign
// out) over the page the URL names. Focus moves to each new page's heading.
import type { ContactsClient } from "@contacts/client";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { consoleClient } from "./api.js";
import { href, onLinkClick, parseRoute, type Route, useLocation } from "./router.js";
import { forgetKey, storedKey, storeKey } from "./session.js";
import { ContactPage } from "./views/contact-page.js";
import { ContactsList } from "./views/contacts-list.js";
import { Overview } from "./views/overview.js";
import { SignIn } from "./views/sign-in.js";

/** What every signed-in page gets. */
export interface PageProps {
  client: ContactsClient;
  /** The key stopped working: back to the sign-in form with `message`. */
  signOut: (message?: string) => void;
}

export function App() {
  const [key, setKey] = useState(storedKey);
  const [notice, setNotice] = useState<string | undefined>();
  const client = useMemo(() => (key ? consoleClient(key) : undefined), [key]);
  const url = useLocation();
  const route = parseRoute(url);

  const signOut = (message?: string) => {
    forgetKey();
    setKey(null);
    setNotice(message);
  };
  const signIn = (newKey: string) => {
    storeKey(newKey);
    setNotice(undefined);
    setKey(newKey);
  };

  if (!client) return <SignIn onSignedIn={signIn} notice={notice} />;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegates clicks on the links inside.
    // biome-ignore lint/a11y/useKeyWithClickEvents: links are activated by Enter as clicks.
    <div class="frame" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Contacts console</span>
        <nav aria-label="Console">
          <a href={href("/")} aria-current={route.name === "contacts" ? "page" : undefined}>
            Contacts
          </a>
          <a href={href("/overview")} aria-current={route.name === "overview" ? "page" : undefined}>
            Overview
          </a>
        </nav>
        <button type="button" class="secondary" onClick={() => signOut("You are signed out.")}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} client={client} signOut={signOut} />
      </main>
    </div>
  );
}

function Page({ route, ...props }: PageProps & { route: Route }) {
  const path = route.name === "contact" ? `contact:${route.id}` : route.name;
  // On navigation (not on first load), move focus to the new page, for keyboards and screen
  // readers: its heading, or the main region while the page is still loading.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById("main");
    (main?.querySelector<HTMLElement>("h1") ?? main)?.focus();
  }, [path]);
  switch (route.name) {
    case "contacts":
      return <ContactsList {...props} query={route.query} />;
    case "contact":
      return <ContactPage {...props} key={route.id} id={route.id} />;
    case "overview":
      return <Overview {...props} query={route.query} />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            <a href={href("/")}>Go to the contacts</a>
          </p>
        </>
      );
  }
}
