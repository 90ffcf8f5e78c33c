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
  const options = compilerOptions();
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

/** The package's strict options, with `@contacts/client` resolving to `src/`. */
function compilerOptions(): ts.CompilerOptions {
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(packageDir, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]) },
  );
  if (!config) throw new Error("tsconfig.json not found");
  return {
    ...config.options,
    noEmit: true,
    paths: { "@contacts/client": [resolve(packageDir, "src/index.ts")] },
  };
}

/**
 * What an editor shows when hovering each `/*hover*\/` marker in `source` (the name right after
 * it), as TypeScript's language service computes it for a user's file importing the package.
 */
export function hovers(source: string): string[] {
  const fileName = resolve(packageDir, "test/hover-probe.mts");
  const options = compilerOptions();
  const service = ts.createLanguageService({
    getScriptFileNames: () => [fileName],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => {
      const text = name === fileName ? source : ts.sys.readFile(name);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => packageDir,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (name) => name === fileName || ts.sys.fileExists(name),
    readFile: (name) => (name === fileName ? source : ts.sys.readFile(name)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  });
  const marker = "/*hover*/";
  return [...source.matchAll(/\/\*hover\*\//g)].map((match) => {
    const info = service.getQuickInfoAtPosition(fileName, match.index + marker.length);
    return ts.displayPartsToString(info?.displayParts ?? []);
  });
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
