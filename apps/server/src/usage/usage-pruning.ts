/** The background job that deletes usage past USAGE_RETENTION_DAYS. */
import type { Logger } from "../logger.js";
import type { UsageService } from "./usage-service.js";

/** Prunes now and then every `intervalMs`; returns a function that stops it. */
export function startUsagePruning(
  usage: Pick<UsageService, "prune">,
  logger: Logger,
  intervalMs = 60 * 60 * 1000,
): () => void {
  const run = () => {
    usage
      .prune()
      .then((deleted) => {
        if (deleted > 0) logger.info("pruned usage past its retention", { groups: deleted });
      })
      .catch((error: unknown) => logger.warn("pruning usage failed", { err: String(error) }));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
