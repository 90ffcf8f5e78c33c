// The contacts of the workspace, newest first: search as you type, tag filter chips, cursor
// pages. The URL holds the search (q), the tags and the cursor (after/before).
import type { ListContactsParams } from "@contacts/client";
import { useEffect, useRef, useState } from "preact/hooks";
import type { PageProps } from "../app.js";
import { formatCost, formatCount, formatRate } from "../format.js";
import { Show, useLoad } from "../load.js";
import { contactHref, href, navigate } from "../router.js";

export const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 300;

interface ListQuery {
  q: string;
  tags: string[];
  after: string | undefined;
  before: string | undefined;
}

function readQuery(query: URLSearchParams): ListQuery {
  return {
    q: query.get("q") ?? "",
    tags: (query.get("tags") ?? "").split(",").filter((tag) => tag !== ""),
    after: query.get("after") ?? undefined,
    before: query.get("before") ?? undefined,
  };
}

function listHref(query: ListQuery): string {
  return href("/", {
    q: query.q,
    tags: query.tags.join(","),
    after: query.after,
    before: query.before,
  });
}

export function ContactsList({ client, signOut, query }: PageProps & { query: URLSearchParams }) {
  const current = readQuery(query);
  const key = listHref(current);
  const [loaded, reload] = useLoad(
    (signal) => {
      const params: ListContactsParams = { limit: PAGE_SIZE, include_metrics: true };
      if (current.q) params.search = current.q;
      if (current.tags.length > 0) params.tags = current.tags;
      if (current.after) params.starting_after = current.after;
      else if (current.before) params.ending_before = current.before;
      return client.contacts.list(params, { signal });
    },
    [key],
    signOut,
  );

  // Search as you type: the URL (and so the list) follows the box after a pause in typing.
  const [search, setSearch] = useState(current.q);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  // "/" jumps to the search box from anywhere on the page but a field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target?.closest("input, textarea, select, [contenteditable]")) return;
      event.preventDefault();
      document.getElementById("search")?.focus();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  const onSearch = (value: string) => {
    setSearch(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      navigate(
        listHref({ q: value.trim(), tags: current.tags, after: undefined, before: undefined }),
        {
          replace: true,
        },
      );
    }, SEARCH_DELAY_MS);
  };
  const setTags = (tags: string[]) =>
    navigate(listHref({ q: current.q, tags, after: undefined, before: undefined }));
  const addTag = (tag: string) => {
    if (tag && !current.tags.includes(tag)) setTags([...current.tags, tag]);
  };
  const [tagInput, setTagInput] = useState("");

  return (
    <>
      <h1 tabIndex={-1}>Contacts</h1>
      <div class="filters">
        <div class="field">
          <label for="search">Search</label>
          <input
            id="search"
            type="search"
            value={search}
            onInput={(e) => onSearch(e.currentTarget.value)}
            aria-describedby="search-help"
          />
          <p id="search-help" class="help">
            Name, email or external id; the list follows as you type. Press / to come back here.
          </p>
        </div>
        <form
          class="field"
          onSubmit={(e) => {
            e.preventDefault();
            addTag(tagInput.trim());
            setTagInput("");
          }}
        >
          <label for="tag-filter">Filter by tag</label>
          <div class="inline">
            <input
              id="tag-filter"
              value={tagInput}
              onInput={(e) => setTagInput(e.currentTarget.value)}
            />
            <button type="submit" class="secondary">
              Add filter
            </button>
          </div>
        </form>
      </div>
      {current.tags.length > 0 && (
        <ul class="chips" aria-label="Tag filters (contacts with all of them)">
          {current.tags.map((tag) => (
            <li key={tag}>
              <span class="chip active">
                {tag}
                <button
                  type="button"
                  class="chip-remove"
                  aria-label={`Remove tag filter ${tag}`}
                  onClick={() => setTags(current.tags.filter((t) => t !== tag))}
                >
                  ×
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <Show loaded={loaded} what="contacts" retry={reload}>
        {(page) => {
          const first = page.data[0];
          const last = page.data.at(-1);
          const hasNext = last !== undefined && (current.before !== undefined || page.has_more);
          const hasPrevious =
            first !== undefined &&
            (current.after !== undefined || (current.before !== undefined && page.has_more));
          return (
            <>
              {page.data.length === 0 ? (
                <p role="status">No contacts match.</p>
              ) : (
                <table class="contacts">
                  <caption>
                    Contacts, newest first; cost, requests and error rate over the last 30 days
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Email</th>
                      <th scope="col">External id</th>
                      <th scope="col">Tags</th>
                      <th scope="col" class="num">
                        Cost
                      </th>
                      <th scope="col" class="num">
                        Requests
                      </th>
                      <th scope="col" class="num">
                        Error rate
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((contact) => (
                      <tr key={contact._id}>
                        <td>
                          <a href={contactHref(contact._id)}>
                            {contact.display_name ?? <em>(no name)</em>}
                          </a>
                        </td>
                        <td>{contact.email ?? ""}</td>
                        <td>
                          <code>{contact.external_id}</code>
                        </td>
                        <td>
                          <ul class="chips">
                            {contact.tags.map((tag) => (
                              <li key={tag}>
                                <button
                                  type="button"
                                  class="chip"
                                  aria-pressed={current.tags.includes(tag)}
                                  title={`Filter by tag ${tag}`}
                                  onClick={() => addTag(tag)}
                                >
                                  {tag}
                                </button>
                              </li>
                            ))}
                          </ul>
                        </td>
                        <td class="num">{formatCost(contact.metrics.total_cost)}</td>
                        <td class="num">{formatCount(contact.metrics.total_requests)}</td>
                        <td class="num">{formatRate(contact.metrics.error_rate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <nav class="pager" aria-label="Pages">
                <button
                  type="button"
                  class="secondary"
                  disabled={!hasPrevious}
                  onClick={() =>
                    first && navigate(listHref({ ...current, after: undefined, before: first._id }))
                  }
                >
                  ← Previous
                </button>
                <button
                  type="button"
                  class="secondary"
                  disabled={!hasNext}
                  onClick={() =>
                    last && navigate(listHref({ ...current, after: last._id, before: undefined }))
                  }
                >
                  Next →
                </button>
              </nav>
            </>
          );
        }}
      </Show>
    </>
  );
}
