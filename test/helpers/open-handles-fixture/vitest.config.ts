import { defineConfig } from "vitest/config";
import suite from "../../../vitest.config.ts";

// The suite's own configuration (its setup files, its pool), on the leaking file alone.
export default defineConfig({
  ...suite,
  test: { ...suite.test, include: ["test/helpers/open-handles-fixture/leaks-a-server.ts"] },
});
