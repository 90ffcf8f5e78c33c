/** The entries of a comma-separated setting (`CORS_ORIGINS`, `TRUST_PROXY`), trimmed, none empty. */
export function commaSeparated(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
