import express from "express";
import { describe, expect, it } from "vitest";
import { ImportLineChecker } from "../bulk/import-line-checker.js";
import { contactImporter } from "../contacts/contact-import.js";
import { contactService } from "../contacts/contact-service.js";
import { createIdGenerator } from "../ids.js";
import { openSqliteStores } from "../server-store.js";
import { loadSpec, type OpenApiDocument } from "../spec.js";
import { usageService } from "../usage/usage-service.js";
import { bulkAdapter } from "./bulk-adapter.js";
import { contactsAdapter } from "./contacts-adapter.js";
import { identitiesAdapter } from "./identities-adapter.js";
import { type Handlers, mountOperations, specOperations } from "./operations.js";
import { usageHandlers } from "./usage-handlers.js";

const spec = loadSpec().document;
const stores = openSqliteStores(":memory:");
const usage = usageService({
  store: stores.usage,
  contacts: stores.contacts,
  ids: createIdGenerator(),
  now: Date.now,
  retentionDays: 400,
});
const service = contactService({ store: stores.contacts, ids: createIdGenerator(), now: Date.now });
const handlers: Handlers = {
  ...contactsAdapter(service, usage),
  ...identitiesAdapter(service, usage),
  ...usageHandlers(usage),
  ...bulkAdapter({
    importer: contactImporter({ store: stores.contacts, ids: createIdGenerator(), now: Date.now }),
    checker: new ImportLineChecker(spec),
    store: stores.contacts,
    rateLimiter: {
      charge: async () => ({ allowed: true, remaining: 0, secondsToFull: 0, retryAfter: 0 }),
    },
    bodyLimitBytes: 1024,
  }),
};

describe("specOperations", () => {
  it("lists the operations of both surfaces and usage with Express routes", () => {
    expect(specOperations(spec).map((op) => `${op.operationId} ${op.method} ${op.route}`)).toEqual([
      "listContacts get /v2/contacts",
      "createContact post /v2/contacts",
      "importContacts post /v2/contacts/import",
      "exportContacts get /v2/contacts/export",
      "retrieveContact get /v2/contacts/:id",
      "deleteContact delete /v2/contacts/:id",
      "updateContact patch /v2/contacts/:id",
      "retrieveContactUsage get /v2/contacts/:id/usage",
      "recordUsage post /v2/usage",
      "listTopContacts get /v2/usage/top",
      "listIdentities get /v2/identities",
      "createIdentity post /v2/identities",
      "retrieveIdentity get /v2/identities/:id",
      "deleteIdentity delete /v2/identities/:id",
      "updateIdentity patch /v2/identities/:id",
    ]);
  });
});

describe("mountOperations refuses a spec and a handler table that disagree", () => {
  it("accepts the real pair", () => {
    expect(() => mountOperations(express.Router(), spec, handlers)).not.toThrow();
  });

  it("refuses a table that lacks one surface", () => {
    const { createIdentity: _dropped, ...onlyPart } = handlers;
    expect(() => mountOperations(express.Router(), spec, onlyPart as Handlers)).toThrow(
      /no handler for createIdentity/,
    );
  });

  it("refuses an operation without a handler", () => {
    const extended: OpenApiDocument = structuredClone(spec);
    (extended.paths["/v2/contacts"] as Record<string, unknown>).put = {
      operationId: "replaceContacts",
    };
    expect(() => mountOperations(express.Router(), extended, handlers)).toThrow(
      /no handler for replaceContacts/,
    );
  });

  it("refuses a handler without an operation", () => {
    const extra = {
      ...handlers,
      mergeContacts: async () => ({ status: 200 }),
    } as unknown as Handlers;
    expect(() => mountOperations(express.Router(), spec, extra)).toThrow(
      /no operation for handler mergeContacts/,
    );
  });
});
