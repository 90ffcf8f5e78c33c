import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The type errors of `files` (absolute path → source text, or undefined to read the file), under
 * the package's own strict compiler options, with `@contacts/client` resolving to `src/` as a
 * user's import would resolve to the built package.
 */
export function typeErrors(files: Record<string, string | undefined>): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(packageDir, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) },
  );
  if (!config) throw new Error("tsconfig.json not found");
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    paths: { "@contacts/client": [resolve(packageDir, "src/index.ts")] },
  };
  const host = ts.createCompilerHost(options);
  const text = (fileName: string) =>
    fileName in files ? (files[fileName] ?? readFileSync(fileName, "utf8")) : undefined;
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, language, ...rest) => {
    const source = text(fileName);
    return source === undefined
      ? getSourceFile.call(host, fileName, language, ...rest)
      : ts.createSourceFile(fileName, source, language);
  };
  host.fileExists = (fileName) => fileName in files || fileExists.call(host, fileName);
  host.readFile = (fileName) => text(fileName) ?? readFile.call(host, fileName);
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts.getPreEmitDiagnostics(program).map(describe);
}

function describe(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  if (!diagnostic.file || diagnostic.start === undefined) return message;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${diagnostic.file.fileName}:${line + 1}: ${message}`;
}

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  throw new Error(diagnostics.map(describe).join("\n"));
}
