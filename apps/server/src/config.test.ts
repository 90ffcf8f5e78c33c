import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("logs at info, or at debug in development, unless LOG_LEVEL says otherwise", () => {
    expect(loadConfig({}).logLevel).toBe("info");
    expect(loadConfig({ NODE_ENV: "development" }).logLevel).toBe("debug");
    expect(loadConfig({ NODE_ENV: "development", LOG_LEVEL: "warn" }).logLevel).toBe("warn");
  });

  it("has CORS off unless CORS_ORIGINS lists origins", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: "https://app.example.com,http://localhost:5173" }).corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("refuses a wildcard in CORS_ORIGINS", () => {
    expect(() => loadConfig({ CORS_ORIGINS: "*" })).toThrow(/CORS_ORIGINS.*wildcard/);
  });
});
