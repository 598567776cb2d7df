import { randomBytes } from "node:crypto";
import pg from "pg";

/** A throwaway database on the server in DATABASE_URL, for one benchmark run. */
export async function createBenchDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    console.error(`${label} needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run ${label}`);
    process.exit(2);
  }
  const name = `cs_bench_${randomBytes(5).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export function machine(): string {
  return `${process.platform} ${process.arch}, node ${process.version}`;
}
