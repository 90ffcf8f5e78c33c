/**
 * The package's version, sent in `X-Contacts-Client` and `User-Agent`. A constant rather than a
 * read of package.json, which bundlers and browsers cannot do at run time; test/version.test.ts
 * fails when it differs from package.json's.
 */
export const VERSION = "0.1.0";
