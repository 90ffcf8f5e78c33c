import { ApiPromise, type ApiResult } from "./api-promise.js";
import type {
  Contact,
  ContactList,
  Identity,
  IdentityList,
  ListContactsParams,
  ListIdentitiesParams,
} from "./types.js";

/** What a list page holds: the API's envelope over items that have an `_id`. */
interface ListBody<Item> {
  object: "list";
  data: Item[];
  has_more: boolean;
}
/** Cursor parameters every list takes, beside its own filters. */
interface CursorParams {
  starting_after?: string;
  ending_before?: string;
}

/**
 * One page of a list, as the API returns it (`object`, `data`, `has_more`), that knows how to
 * fetch the next one. Iterating it with `for await` yields its items and those of every later
 * page, in the list's order (whatever `sort_by` it was asked for).
 */
export class Page<Item extends { _id: string }, Params extends CursorParams>
  implements ListBody<Item>, AsyncIterable<Item>
{
  readonly object: "list";
  readonly data: Item[];
  readonly has_more: boolean;
  readonly #params: Params;
  readonly #fetchPage: (params: Params) => PagePromise<Page<Item, Params>>;

  constructor(
    body: ListBody<Item>,
    params: Params,
    fetchPage: (params: Params) => PagePromise<Page<Item, Params>>,
  ) {
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
   * The parameters of the next page: the same filters and order with the cursor moved past this
   * page (`starting_after` its last item; or, when walking back with `ending_before`, its first).
   * Null on the last page.
   */
  nextPageParams(): Params | null {
    if (!this.has_more) return null;
    const { starting_after: _after, ending_before: before, ...filters } = this.#params;
    if (before !== undefined) {
      const first = this.data[0];
      return first ? ({ ...filters, ending_before: first._id } as Params) : null;
    }
    const last = this.data.at(-1);
    return last ? ({ ...filters, starting_after: last._id } as Params) : null;
  }

  /** Fetches the next page (with the options of the first call), or resolves to null on the last. */
  async nextPage(): Promise<this | null> {
    const params = this.nextPageParams();
    return params === null ? null : ((await this.#fetchPage(params)) as this);
  }

  /** This page and every later one, fetched one at a time as the loop asks for them. */
  async *iterPages(): AsyncGenerator<this, void, undefined> {
    let page: this | null = this;
    while (page) {
      yield page;
      page = await page.nextPage();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Item, void, undefined> {
    for await (const page of this.iterPages()) yield* page.data;
  }
}

/** A page of contacts (`client.contacts.list`). */
export class ContactPage extends Page<Contact, ListContactsParams> implements ContactList {}

/** A page of identities (`client.identities.list`). */
export class IdentityPage extends Page<Identity, ListIdentitiesParams> implements IdentityList {}

/** What iterating a page yields. */
type ItemOf<P> = P extends AsyncIterable<infer Item> ? Item : never;

/**
 * What `list` returns: await it for the first page, or iterate it with `for await` for every
 * matching item across pages.
 */
export class PagePromise<P extends AsyncIterable<unknown> = ContactPage>
  extends ApiPromise<P, ApiResult<P>>
  implements AsyncIterable<ItemOf<P>>
{
  async *[Symbol.asyncIterator](): AsyncGenerator<ItemOf<P>, void, undefined> {
    yield* (await this) as AsyncIterable<ItemOf<P>>;
  }

  override get [Symbol.toStringTag](): string {
    return "PagePromise";
  }
}
