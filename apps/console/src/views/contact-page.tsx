// One contact: its fields, its metadata as a tree, an edit form (a merge patch sent with
// If-Match, so a change made meanwhile is reported instead of overwritten), delete with a
// confirmation, and its usage chart.
import { type Contact, type ContactResult, PreconditionFailedError } from "@contacts/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { describeProblem } from "../api.js";
import type { PageProps } from "../app.js";
import { formatCost, formatCount, formatDateTime, formatRate } from "../format.js";
import { Show, useLoad } from "../load.js";
import type { Json } from "../merge-patch.js";
import { href } from "../router.js";
import { ContactEditor } from "./contact-editor.js";
import { UsageChart } from "./usage-chart.js";

export function ContactPage({ client, signOut, id }: PageProps & { id: string }) {
  const [loaded, reload] = useLoad(
    (signal) => client.contacts.retrieve(id, { signal }).withResponse(),
    [id],
    signOut,
  );
  return (
    <Show loaded={loaded} what="the contact" retry={reload}>
      {(result) => (
        <ContactView
          key={result.etag}
          initial={result}
          reload={reload}
          client={client}
          signOut={signOut}
        />
      )}
    </Show>
  );
}

function ContactView({
  initial,
  reload,
  client,
  signOut,
}: PageProps & { initial: ContactResult; reload: () => void }) {
  const [contact, setContact] = useState<Contact>(initial.data);
  const [etag, setEtag] = useState(initial.etag);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const name = contact.display_name ?? contact.external_id;

  if (deleted) {
    return (
      <>
        <h1 tabIndex={-1}>Contact deleted</h1>
        <p role="status">
          {name} ({contact.external_id}) was deleted.
        </p>
        <p>
          <a href={href("/")}>Back to the contacts</a>
        </p>
      </>
    );
  }

  return (
    <>
      <p class="crumbs">
        <a href={href("/")}>Contacts</a> / {name}
      </p>
      <h1 tabIndex={-1}>{name}</h1>
      {saved && !editing && (
        <p class="notice" role="status">
          Saved.
        </p>
      )}
      {editing ? (
        <ContactEditor
          client={client}
          signOut={signOut}
          contact={contact}
          etag={etag}
          onSaved={(result) => {
            setContact(result.data);
            setEtag(result.etag);
            setEditing(false);
            setSaved(true);
          }}
          onCancel={() => setEditing(false)}
          onReload={reload}
        />
      ) : (
        <>
          <ContactFields contact={contact} />
          <div class="actions">
            <button
              type="button"
              onClick={() => {
                setSaved(false);
                setEditing(true);
              }}
            >
              Edit
            </button>
            <DeleteButton
              client={client}
              signOut={signOut}
              contact={contact}
              etag={etag}
              onDeleted={() => setDeleted(true)}
              onReload={reload}
            />
          </div>
        </>
      )}
      <UsageChart client={client} contactId={contact._id} signOut={signOut} />
    </>
  );
}

function ContactFields({ contact }: { contact: Contact }) {
  return (
    <section aria-labelledby="fields-heading">
      <h2 id="fields-heading">Details</h2>
      <dl class="fields">
        <dt>Display name</dt>
        <dd>{contact.display_name ?? <em>none</em>}</dd>
        <dt>Email</dt>
        <dd>{contact.email ?? <em>none</em>}</dd>
        <dt>External id</dt>
        <dd>
          <code>{contact.external_id}</code>
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{contact._id}</code>
        </dd>
        <dt>Avatar URL</dt>
        <dd>{contact.avatar_url ?? <em>none</em>}</dd>
        <dt>Tags</dt>
        <dd>
          {contact.tags.length === 0 ? (
            <em>none</em>
          ) : (
            <ul class="chips">
              {contact.tags.map((tag) => (
                <li key={tag}>
                  <a class="chip" href={href("/", { tags: tag })}>
                    {tag}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Created</dt>
        <dd>{formatDateTime(contact.created)}</dd>
        <dt>Updated</dt>
        <dd>{formatDateTime(contact.updated)}</dd>
        <dt>Last 30 days</dt>
        <dd>
          {formatCost(contact.metrics.total_cost)} · {formatCount(contact.metrics.total_tokens)}{" "}
          tokens · {formatCount(contact.metrics.total_requests)} requests ·{" "}
          {formatRate(contact.metrics.error_rate)} errors
        </dd>
        <dt>Metadata</dt>
        <dd>
          {Object.keys(contact.metadata).length === 0 ? (
            <em>none</em>
          ) : (
            <JsonTree value={contact.metadata as { [key: string]: Json }} />
          )}
        </dd>
      </dl>
    </section>
  );
}

/** Metadata as nested lists: keys in bold, scalars as JSON, objects and arrays indented. */
function JsonTree({ value }: { value: Json }) {
  if (value === null || typeof value !== "object") {
    return <code class="json-scalar">{JSON.stringify(value)}</code>;
  }
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  if (entries.length === 0) return <code>{Array.isArray(value) ? "[]" : "{}"}</code>;
  return (
    <ul class="tree">
      {entries.map(([key, inner]) => (
        <li key={key}>
          <span class="tree-key">{Array.isArray(value) ? `[${key}]` : key}</span>
          {": "}
          <JsonTree value={inner} />
        </li>
      ))}
    </ul>
  );
}

function DeleteButton({
  client,
  signOut,
  contact,
  etag,
  onDeleted,
  onReload,
}: PageProps & {
  contact: Contact;
  etag: string;
  onDeleted: () => void;
  onReload: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [changed, setChanged] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirm.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        Delete
      </button>
    );
  }
  const remove = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await client.contacts.delete(contact._id, { ifMatch: etag });
      onDeleted();
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        setChanged(true);
        setProblem(
          "This contact was changed since you opened it, so it was not deleted. Reload it to see the change first.",
        );
      } else {
        const described = describeProblem(error);
        if (described.signedOut) signOut(described.message);
        setProblem(described.message);
      }
      setBusy(false);
    }
  };
  return (
    <fieldset class="confirm" aria-describedby="confirm-delete">
      <legend>Delete this contact?</legend>
      <p id="confirm-delete">
        Delete {contact.display_name ?? contact.external_id} (<code>{contact.external_id}</code>)?
        This cannot be undone.
      </p>
      {problem && (
        <p class="field-error" role="alert">
          {problem}
        </p>
      )}
      <button ref={confirm} type="button" class="danger" disabled={busy} onClick={remove}>
        {busy ? "Deleting…" : "Yes, delete"}
      </button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
      {changed && (
        <button type="button" class="secondary" onClick={onReload}>
          Reload the contact
        </button>
      )}
    </fieldset>
  );
}
