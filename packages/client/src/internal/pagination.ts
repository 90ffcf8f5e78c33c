import { ApiPromise, type ApiResult } from "./api-promise.js";
import type { Contact, ContactList, ListContactsParams } from "./types.js";

/** Fetches the page a set of list parameters designates. */
export type PageFetcher = (params: ListContactsParams) => PagePromise;

/**
 * One page of contacts, as the API returns it (`object`, `data`, `has_more`), that knows how to
 * fetch the next one. Iterating it with `for await` yields its contacts and those of every later
 * page.
 */
export class ContactPage implements ContactList, AsyncIterable<Contact> {
  readonly object: ContactList["object"];
  readonly data: ContactList["data"];
  readonly has_more: ContactList["has_more"];
  readonly #params: ListContactsParams;
  readonly #fetchPage: PageFetcher;

  constructor(body: ContactList, params: ListContactsParams, fetchPage: PageFetcher) {
    this.object = body.object;
    this.data = body.data;
    this.has_more = body.has_more;
    this.#params = params;
    this.#fetchPage = fetchPage;
  }

  /** Whether another page exists in the direction of travel. */
  hasNextPage(): boolean {
    return this.nextPageParams() !== null;
  }

  /**
   * The parameters of the next page: the same filters with the cursor moved past this page
   * (`starting_after` its last contact; or, when walking back with `ending_before`, its first).
   * Null on the last page.
   */
  nextPageParams(): ListContactsParams | null {
    if (!this.has_more) return null;
    const { starting_after: _after, ending_before: before, ...filters } = this.#params;
    if (before !== undefined) {
      const first = this.data[0];
      return first ? { ...filters, ending_before: first._id } : null;
    }
    const last = this.data.at(-1);
    return last ? { ...filters, starting_after: last._id } : null;
  }

  /** Fetches the next page (with the options of the first call), or resolves to null on the last. */
  async nextPage(): Promise<ContactPage | null> {
    const params = this.nextPageParams();
    return params === null ? null : this.#fetchPage(params);
  }

  /** This page and every later one, fetched one at a time as the loop asks for them. */
  async *iterPages(): AsyncGenerator<ContactPage, void, undefined> {
    let page: ContactPage | null = this;
    while (page) {
      yield page;
      page = await page.nextPage();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Contact, void, undefined> {
    for await (const page of this.iterPages()) yield* page.data;
  }
}

/**
 * What `list` returns: await it for the first page, or iterate it with `for await` for every
 * matching contact across pages.
 */
export class PagePromise
  extends ApiPromise<ContactPage, ApiResult<ContactPage>>
  implements AsyncIterable<Contact>
{
  async *[Symbol.asyncIterator](): AsyncGenerator<Contact, void, undefined> {
    yield* await this;
  }

  override get [Symbol.toStringTag](): string {
    return "PagePromise";
  }
}
