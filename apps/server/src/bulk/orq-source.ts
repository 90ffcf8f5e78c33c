/**
 * Import source: every contact of an orq.ai-compatible `GET /v2/contacts` (orq.ai itself, or
 * another instance of this server), walked newest first with `starting_after`, each contact's
 * create fields as one import line numbered by its place in the walk.
 */
import type { SourceLine } from "./json-lines.js";

/** The most orq.ai's list answers per page. */
const PAGE_SIZE = 50;
/** Attempts per page when the server answers 429 or 5xx, or the connection fails. */
const ATTEMPTS = 5;
const FIELDS = ["external_id", "display_name", "email", "avatar_url", "tags", "metadata"];

/** A page the source server would not give; the import stops (what came before is in). */
export class OrqSourceError extends Error {
  override readonly name = "OrqSourceError";
}

export async function* orqContacts(
  baseUrl: string,
  apiKey: string,
  fetchPage: typeof fetch = fetch,
): AsyncGenerator<SourceLine> {
  let line = 0;
  let cursor: string | undefined;
  for (;;) {
    const url = new URL(`${baseUrl}/v2/contacts`);
    url.searchParams.set("limit", String(PAGE_SIZE));
    url.searchParams.set("include_metrics", "false");
    if (cursor) url.searchParams.set("starting_after", cursor);
    const page = await getPage(url, apiKey, fetchPage);
    for (const contact of page.data) {
      line++;
      yield { line, value: importFieldsOf(contact) };
    }
    const last = page.data.at(-1);
    if (!page.has_more || !last) return;
    cursor = String(last._id);
  }
}

/** The create body's fields of a listed contact (null fields included: the line sets them). */
function importFieldsOf(contact: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    FIELDS.filter((f) => contact[f] !== undefined).map((f) => [f, contact[f]]),
  );
}

interface Page {
  data: Record<string, unknown>[];
  has_more: boolean;
}

async function getPage(url: URL, apiKey: string, fetchPage: typeof fetch): Promise<Page> {
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let retryAfter = 0;
    try {
      const response = await fetchPage(url, {
        headers: { authorization: `Bearer ${apiKey}`, accept: "application/json" },
      });
      status = response.status;
      if (response.ok) {
        const body = (await response.json()) as Partial<Page>;
        if (!Array.isArray(body.data))
          throw new OrqSourceError(`${url.origin} answered a list without data`);
        return { data: body.data, has_more: body.has_more === true };
      }
      retryAfter = Number(response.headers.get("retry-after") ?? 0);
      const text = await response.text();
      if (status !== 429 && status < 500) {
        throw new OrqSourceError(
          `GET ${url.pathname} at ${url.origin} answered ${status}: ${text.slice(0, 200)}`,
        );
      }
    } catch (error) {
      if (error instanceof OrqSourceError) throw error;
      if (attempt >= ATTEMPTS)
        throw new OrqSourceError(
          `GET ${url.origin}${url.pathname} failed: ${(error as Error).message}`,
        );
    }
    if (attempt >= ATTEMPTS)
      throw new OrqSourceError(
        `GET ${url.pathname} at ${url.origin} answered ${status} ${ATTEMPTS} times`,
      );
    const waitMs = retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt;
    await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, 30_000)));
  }
}
