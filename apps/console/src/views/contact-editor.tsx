// The edit form: display name, email, avatar URL, tags and metadata (JSON). Only what changed is
// sent, as a merge patch with If-Match: if the contact changed since it was opened, the server
// answers 412 and the form says so, keeping the person's edits. Errors sit beside their field.
import {
  BadRequestError,
  type Contact,
  type ContactResult,
  PreconditionFailedError,
  type UpdateContactRequest,
} from "@contacts/client";
import { useState } from "preact/hooks";
import { describeProblem } from "../api.js";
import type { PageProps } from "../app.js";
import { type Json, mergePatchOf, metadataProblem } from "../merge-patch.js";

type Field = "display_name" | "email" | "avatar_url" | "tags" | "metadata";
const FIELDS: Field[] = ["display_name", "email", "avatar_url", "tags", "metadata"];

interface Draft {
  display_name: string;
  email: string;
  avatar_url: string;
  tags: string;
  metadata: string;
}

function draftOf(contact: Contact): Draft {
  return {
    display_name: contact.display_name ?? "",
    email: contact.email ?? "",
    avatar_url: contact.avatar_url ?? "",
    tags: contact.tags.join(", "),
    metadata: JSON.stringify(contact.metadata, null, 2),
  };
}

function tagsOf(text: string): string[] {
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag !== "");
}

/** The merge patch from `contact` to `draft`: changed fields only; an emptied field is null. */
function patchOf(contact: Contact, draft: Draft): UpdateContactRequest {
  const patch: UpdateContactRequest = {};
  for (const field of ["display_name", "email", "avatar_url"] as const) {
    const value = draft[field].trim() === "" ? null : draft[field].trim();
    if (value !== contact[field]) patch[field] = value;
  }
  const tags = tagsOf(draft.tags);
  if (tags.join("\u0000") !== contact.tags.join("\u0000")) patch.tags = tags;
  const metadata = mergePatchOf(
    contact.metadata as { [key: string]: Json },
    JSON.parse(draft.metadata) as { [key: string]: Json },
  );
  if (metadata !== undefined) patch.metadata = metadata;
  return patch;
}

/** The form field a server validation error's path names, if any (`/body/email` → email). */
function fieldOf(path: string): Field | undefined {
  const parts = path.split(/[/.[\]]+/).filter((part) => part !== "");
  return FIELDS.find((field) => parts.includes(field));
}

export function ContactEditor({
  client,
  signOut,
  contact,
  etag,
  onSaved,
  onCancel,
  onReload,
}: PageProps & {
  contact: Contact;
  etag: string;
  onSaved: (result: ContactResult) => void;
  onCancel: () => void;
  onReload: () => void;
}) {
  const [draft, setDraft] = useState(() => draftOf(contact));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = useState<string | undefined>();
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(undefined);
    setConflict(false);
    const metadataError = metadataProblem(
      draft.metadata,
      contact.metadata as { [key: string]: Json },
    );
    if (metadataError) {
      setErrors({ metadata: metadataError });
      document.getElementById("edit-metadata")?.focus();
      return;
    }
    setErrors({});
    const patch = patchOf(contact, draft);
    if (Object.keys(patch).length === 0) {
      onCancel();
      return;
    }
    setBusy(true);
    try {
      onSaved(await client.contacts.update(contact._id, patch, { ifMatch: etag }).withResponse());
    } catch (error) {
      setBusy(false);
      if (error instanceof PreconditionFailedError) {
        setConflict(true);
        setProblem(
          "This contact was changed since you opened it, so your edit was not saved (nothing was overwritten). Load the current version, then make your edit again.",
        );
        return;
      }
      if (error instanceof BadRequestError) {
        const byField: Partial<Record<Field, string>> = {};
        for (const detail of error.details ?? []) {
          const field = fieldOf(detail.path);
          if (field && !byField[field]) byField[field] = detail.message;
        }
        if (Object.keys(byField).length > 0) {
          setErrors(byField);
          const first = FIELDS.find((field) => byField[field]);
          document.getElementById(`edit-${first}`)?.focus();
          return;
        }
      }
      const described = describeProblem(error);
      if (described.signedOut) signOut(described.message);
      setProblem(described.message);
    }
  };

  const input = (
    field: Exclude<Field, "metadata">,
    label: string,
    type: "text" | "email" | "url",
    help?: string,
  ) => (
    <div class="field">
      <label for={`edit-${field}`}>{label}</label>
      <input
        id={`edit-${field}`}
        // Preact types each input type apart; all three take the same attributes here.
        type={type as "text"}
        value={draft[field]}
        onInput={(e) => setDraft({ ...draft, [field]: e.currentTarget.value })}
        aria-invalid={errors[field] ? "true" : undefined}
        aria-describedby={
          [help && `edit-${field}-help`, errors[field] && `edit-${field}-error`]
            .filter(Boolean)
            .join(" ") || undefined
        }
      />
      {help && (
        <p id={`edit-${field}-help`} class="help">
          {help}
        </p>
      )}
      {errors[field] && (
        <p id={`edit-${field}-error`} class="field-error">
          {errors[field]}
        </p>
      )}
    </div>
  );

  return (
    <form class="editor" onSubmit={submit} noValidate aria-labelledby="edit-heading">
      <h2 id="edit-heading">Edit</h2>
      {input("display_name", "Display name", "text", "Empty clears it.")}
      {input("email", "Email", "email", "Empty clears it.")}
      {input("avatar_url", "Avatar URL", "url", "An absolute http(s) URL; empty clears it.")}
      {input("tags", "Tags", "text", "Separated by commas; replaces all tags.")}
      <div class="field">
        <label for="edit-metadata">Metadata (JSON)</label>
        <textarea
          id="edit-metadata"
          rows={8}
          spellcheck={false}
          value={draft.metadata}
          onInput={(e) => setDraft({ ...draft, metadata: e.currentTarget.value })}
          aria-invalid={errors.metadata ? "true" : undefined}
          aria-describedby={`edit-metadata-help${errors.metadata ? " edit-metadata-error" : ""}`}
        />
        <p id="edit-metadata-help" class="help">
          A JSON object. Keys you remove are removed from the contact.
        </p>
        {errors.metadata && (
          <p id="edit-metadata-error" class="field-error">
            {errors.metadata}
          </p>
        )}
      </div>
      {problem && (
        <div class="problem" role="alert">
          <p>{problem}</p>
          {conflict && (
            <button type="button" class="secondary" onClick={onReload}>
              Load the current version
            </button>
          )}
        </div>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
