// Sign in with an API key: checked with one list call before it is kept for the tab.
import { useState } from "preact/hooks";
import { consoleClient, describeProblem } from "../api.js";

export function SignIn({
  onSignedIn,
  notice,
}: {
  onSignedIn: (key: string) => void;
  notice: string | undefined;
}) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Enter an API key.");
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await consoleClient(trimmed).contacts.list({ limit: 1 });
      onSignedIn(trimmed);
    } catch (caught) {
      setError(describeProblem(caught).message);
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Contacts console</h1>
      <p>Sign in with an API key of your workspace. It is kept in this tab only.</p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "api-key-error" : "api-key-help"}
        />
        <p id="api-key-help" class="help">
          Create one with <code>npm run --silent admin -- keys create --workspace NAME</code>.
        </p>
        {error && (
          <p id="api-key-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
