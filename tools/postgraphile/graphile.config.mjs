// PostGraphile v5 over contact-graph's PostgreSQL tables: the peer bench/peer.py loads with
// the same requests as contact-graph. The database and the port come from the environment
// (bench/peer.py sets them); no GraphiQL, no watch mode, no explain: a production-like server.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { pgSmartTagsFromFile } from "postgraphile/utils";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { fileURLToPath } from "node:url";

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error("set DATABASE_URL (postgres://…)");

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  plugins: [
    // the relations contact → notes and contact → tasks, named as contact-graph names them
    pgSmartTagsFromFile(fileURLToPath(new URL("postgraphile.tags.json5", import.meta.url))),
  ],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      // contact-graph's pool: 10 connections (persistence/db.py), the same here
      poolConfig: { max: Number(process.env.PG_POOL_MAX ?? 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5678),
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;
