#!/usr/bin/env node
// Compose contact-graph's subgraph SDL with a second subgraph using both composition
// libraries, @apollo/composition (Apollo Gateway / Router) and @theguild/federation-composition
// (Hive Gateway), and report the outcome as JSON on stdout:
//
//   {"apollo": {"ok": true, "errors": []}, "guild": {"ok": true, "errors": []}}
//
// Each error is {"code", "message"}. Exit status: 0 when both compose, 1 when either fails,
// 2 on a usage or I/O error.
//
// Usage: node compose.mjs [--contact-sdl FILE] [--other-sdl FILE] [--other-name NAME]
//                         [--supergraph-out FILE]
//   --contact-sdl     our SDL (default: ../../schema.graphql, i.e. the committed export)
//   --other-sdl       the second subgraph (default: reviews.graphql next to this script)
//   --other-name      its name in the composition and its errors (default: reviews)
//   --supergraph-out  write Apollo's supergraph SDL there (when it composes)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { composeServices as apolloCompose } from '@apollo/composition';
import { composeServices as guildCompose, compositionHasErrors } from '@theguild/federation-composition';
import { parse } from 'graphql';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));

export const DEFAULT_CONTACT_SDL = here('../../schema.graphql');
export const DEFAULT_OTHER_SDL = here('./reviews.graphql');

function describe(error) {
  return {
    code: error?.extensions?.code ?? error?.code ?? 'UNKNOWN',
    message: String(error?.message ?? error),
  };
}

/** Load the two subgraphs as service definitions (name, url, parsed typeDefs). */
export function loadServices({ contactSdl = DEFAULT_CONTACT_SDL, otherSdl = DEFAULT_OTHER_SDL,
                               otherName = 'reviews',
                               contactUrl = 'http://contact-graph.invalid/graphql',
                               otherUrl = `http://${otherName}.invalid/graphql` } = {}) {
  return [
    { name: 'contacts', url: contactUrl, typeDefs: parse(readFileSync(contactSdl, 'utf8')) },
    { name: otherName, url: otherUrl, typeDefs: parse(readFileSync(otherSdl, 'utf8')) },
  ];
}

/** Compose with @apollo/composition: {ok, errors, supergraphSdl}. */
export function composeApollo(services) {
  try {
    const result = apolloCompose(services);
    if (result.errors?.length) return { ok: false, errors: result.errors.map(describe) };
    return { ok: true, errors: [], supergraphSdl: result.supergraphSdl };
  } catch (error) {
    return { ok: false, errors: [describe(error)] };
  }
}

/** Compose with @theguild/federation-composition: {ok, errors, supergraphSdl}. */
export function composeGuild(services) {
  try {
    const result = guildCompose(services);
    if (compositionHasErrors(result)) return { ok: false, errors: result.errors.map(describe) };
    return { ok: true, errors: [], supergraphSdl: result.supergraphSdl };
  } catch (error) {
    return { ok: false, errors: [describe(error)] };
  }
}

function main() {
  let args;
  let load;
  try {
    ({ values: args } = parseArgs({
      options: {
        'contact-sdl': { type: 'string', default: DEFAULT_CONTACT_SDL },
        'other-sdl': { type: 'string', default: DEFAULT_OTHER_SDL },
        'other-name': { type: 'string', default: 'reviews' },
        'supergraph-out': { type: 'string' },
      },
    }));
    load = () => loadServices({
      contactSdl: args['contact-sdl'],
      otherSdl: args['other-sdl'],
      otherName: args['other-name'],
    });
    load();
  } catch (error) {
    console.error(`compose.mjs: ${error.message}`);
    return 2;
  }
  // Each composer parses its own copy: neither may see what the other did to the AST.
  const apollo = composeApollo(load());
  const guild = composeGuild(load());
  if (args['supergraph-out'] && apollo.ok) writeFileSync(args['supergraph-out'], apollo.supergraphSdl);
  const report = {
    apollo: { ok: apollo.ok, errors: apollo.errors },
    guild: { ok: guild.ok, errors: guild.errors },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return apollo.ok && guild.ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main();
}
