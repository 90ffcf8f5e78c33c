#!/usr/bin/env node
/** contacts-admin: the operator's admin CLI (API keys, backup); see admin-args.ts for usage. */
import { runAdmin } from "./run-admin.js";

runAdmin(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `contacts-admin: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
