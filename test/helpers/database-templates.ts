import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../src/db/open-database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { adminQuery } from "./database.ts";

// vitest globalSetup: one migrated database per engine, made once per run, that each test
// file's database starts as a copy of (test/helpers/database.ts). A PGlite data directory
// costs ~2.5 s of initdb in WebAssembly and PostgreSQL ~0.3 s of migrations; a copy costs a
// tenth of either. Test files that check migrating itself ask for `migrate: false` and still
// get a new, empty database. Everything made here is removed when the run ends.

declare module "vitest" {
  export interface ProvidedContext {
    /** A PGlite data directory fresh from initdb (nothing migrated). */
    pgliteBare: string;
    /** A PGlite data directory with every migration applied. */
    pgliteMigrated: string;
    /** A migrated PostgreSQL database on DATABASE_URL's server to CREATE DATABASE … TEMPLATE from; "" without a server. */
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(path.join(tmpdir(), "cs-templates-"));
  const bare = path.join(root, "pglite-bare");
  const migrated = path.join(root, "pglite-migrated");
  let db = await openDatabase({ dataDir: bare });
  await db.close();
  cpSync(bare, migrated, { recursive: true });
  db = await openDatabase({ dataDir: migrated });
  await migrate(db);
  await db.close();

  const serverUrl = process.env.DATABASE_URL;
  let template = "";
  if (serverUrl) {
    template = `cs_template_${randomBytes(6).toString("hex")}`;
    await adminQuery(`CREATE DATABASE ${template}`, serverUrl);
    const url = new URL(serverUrl);
    url.pathname = `/${template}`;
    const server = await openDatabase({ databaseUrl: url.toString(), dataDir: root });
    try {
      await migrate(server);
    } finally {
      await server.close();
    }
  }

  project.provide("pgliteBare", bare);
  project.provide("pgliteMigrated", migrated);
  project.provide("postgresTemplate", template);

  return async () => {
    if (serverUrl && template) await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`, serverUrl);
    rmSync(root, { recursive: true, force: true });
  };
}
