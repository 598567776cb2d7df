import type { OperationsDeps } from "../dashboard/operations.ts";
import type { WorkerDeps } from "../worker/deps.ts";

/**
 * Everything the parts need, built once at start from the resolved settings (runtime.ts)
 * and handed to each part, which declares the narrower set it uses.
 */
export type Deps = WorkerDeps & OperationsDeps;
