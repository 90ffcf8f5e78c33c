/** A result with the response it came from. */
export interface ApiResult<T> {
  /** The parsed body (what awaiting the call gives). */
  data: T;
  /** The HTTP response; its body has already been read. */
  response: Response;
  /** The `Request-Id` of the response: quote it when reporting a problem. */
  requestId: string | undefined;
}

/**
 * What every method returns: a promise of the parsed body (await it, or `.then` it) that can also
 * give the whole result with `.withResponse()`. The request starts when the method is called.
 */
export class ApiPromise<T, R extends ApiResult<T> = ApiResult<T>> implements Promise<T> {
  readonly #result: Promise<R>;
  #data: Promise<T> | undefined;

  constructor(result: Promise<R>) {
    this.#result = result;
  }

  /** The parsed body together with the response, its request id and, for a contact, its ETag. */
  withResponse(): Promise<R> {
    return this.#result;
  }

  // biome-ignore lint/suspicious/noThenProperty: an ApiPromise is a promise, made to be awaited.
  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#body().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#body().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#body().finally(onfinally);
  }

  get [Symbol.toStringTag](): string {
    return "ApiPromise";
  }

  // Made on first use only, so that a caller of withResponse() alone never leaves a second,
  // unobserved promise to reject.
  #body(): Promise<T> {
    this.#data ??= this.#result.then((result) => result.data);
    return this.#data;
  }
}
