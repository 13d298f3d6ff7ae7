#!/usr/bin/env node
// End-to-end federation check: contact-graph behind @apollo/gateway, next to a second subgraph.
//
// 1. Serves the "reviews" subgraph (reviews.graphql, @apollo/subgraph; reviews-subgraph.mjs) in
//    process on a free port of 127.0.0.1.
// 2. Composes the supergraph statically with @apollo/composition from our committed
//    schema.graphql (served at CONTACT_GRAPH_URL) and reviews.graphql.
// 3. Starts @apollo/gateway inside @apollo/server on a free port; a RemoteGraphQLDataSource
//    forwards the client's Authorization header to every subgraph.
// 4. POSTs queries that cross both subgraphs (contacts -> reviews -> contacts) with
//    `Authorization: Bearer $CONTACT_GRAPH_TOKEN` (no header when the variable is unset).
//
// Prints one JSON object on stdout: {"supergraph": {...}, "results": {name: {data, errors}},
// "reviewsSubgraph": {"requests", "withClientAuthorization"}}. Exit status: 0 when every query
// answered without errors, 1 when one did not (or composition failed), 2 on a usage error or
// timeout. Logs go to stderr.
//
// Environment:
//   CONTACT_GRAPH_URL          contact-graph's endpoint, e.g. http://127.0.0.1:8000/graphql
//   CONTACT_GRAPH_TOKEN        a JWT (`contact-graph token`), sent as a Bearer token
//   CONTACT_GRAPH_SDL          our SDL file (default: ../../schema.graphql)
//   GATEWAY_CHECK_TIMEOUT_MS   give up after this long (default 30000)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';

import { REVIEWS_SDL, startReviewsSubgraph } from './reviews-subgraph.mjs';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const CONTACT_SDL = process.env.CONTACT_GRAPH_SDL || here('../../schema.graphql');
const TIMEOUT_MS = Number(process.env.GATEWAY_CHECK_TIMEOUT_MS || 30_000);

const log = (...args) => console.error('[gateway-check]', ...args);
const stderrLogger = {
  debug() {},
  info() {},
  warn: (...args) => log('warn:', ...args),
  error: (...args) => log('error:', ...args),
};

// ---------------------------------------------------------------------------------------------
// The gateway.

class AuthForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context?.authorization) request.http.headers.set('authorization', context.authorization);
  }
}

function composeSupergraph(contactUrl, reviewsUrl) {
  const result = composeServices([
    { name: 'contacts', url: contactUrl, typeDefs: parse(readFileSync(CONTACT_SDL, 'utf8')) },
    { name: 'reviews', url: reviewsUrl, typeDefs: parse(readFileSync(REVIEWS_SDL, 'utf8')) },
  ]);
  if (result.errors?.length) {
    const messages = result.errors.map((e) => `${e.extensions?.code}: ${e.message}`);
    throw new Error(`composition failed:\n  ${messages.join('\n  ')}`);
  }
  return result.supergraphSdl;
}

async function startGateway(supergraphSdl) {
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: stderrLogger,
    buildService: ({ url }) => new AuthForwardingDataSource({ url }),
  });
  const server = new ApolloServer({
    gateway,
    logger: stderrLogger,
    includeStacktraceInErrorResponses: false,
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return { server, url };
}

async function post(url, authorization, operationName, query, variables) {
  const headers = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ operationName, query, variables }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await response.text();
  try {
    return { status: response.status, ...JSON.parse(text) };
  } catch {
    return { status: response.status, errors: [{ message: `not JSON: ${text.slice(0, 500)}` }] };
  }
}

const CONTACTS = /* GraphQL */ `
  query Contacts($first: Int!) {
    contacts(first: $first) {
      totalCount
      edges {
        node {
          id
          fullName
          loyaltyPoints
          reviews { id rating contact { id fullName } }
        }
      }
    }
  }
`;

const CONTACT = /* GraphQL */ `
  query Contact($id: ID!) {
    contact(id: $id) { id firstName lastName fullName loyaltyPoints }
  }
`;

const REVIEW = /* GraphQL */ `
  query Review($id: ID!) {
    review(id: $id) { id rating body contact { id fullName loyaltyPoints } }
  }
`;

async function run() {
  const contactUrl = process.env.CONTACT_GRAPH_URL;
  if (!contactUrl) {
    log('set CONTACT_GRAPH_URL to contact-graph\'s endpoint, e.g. http://127.0.0.1:8000/graphql');
    return { code: 2 };
  }
  const token = process.env.CONTACT_GRAPH_TOKEN;
  const authorization = token ? `Bearer ${token}` : undefined;

  const reviews = await startReviewsSubgraph(authorization);
  let gateway;
  try {
    const supergraphSdl = composeSupergraph(contactUrl, reviews.url);
    gateway = await startGateway(supergraphSdl);
    log(`gateway ${gateway.url} -> contacts ${contactUrl}, reviews ${reviews.url}`);

    const results = {};
    const ask = async (name, query, variables) => {
      results[name] = await post(gateway.url, authorization, name, query, variables);
      return results[name];
    };
    const contacts = await ask('Contacts', CONTACTS, { first: 3 });
    const first = contacts.data?.contacts?.edges?.[0]?.node;
    if (first) {
      await ask('Contact', CONTACT, { id: first.id });
      await ask('Review', REVIEW, { id: first.reviews?.[0]?.id ?? `${first.id}:r0` });
    }
    const failed = Object.values(results).some(
      (r) => r.status !== 200 || r.errors?.length || !r.data) || !first;
    const report = {
      supergraph: { subgraphs: { contacts: contactUrl, reviews: reviews.url } },
      results,
      reviewsSubgraph: reviews.stats,
    };
    return { code: failed ? 1 : 0, report };
  } finally {
    await gateway?.server.stop().catch((e) => log('stopping the gateway:', e));
    await reviews.close();
  }
}

const timer = setTimeout(() => {
  log(`timed out after ${TIMEOUT_MS} ms`);
  process.exit(2);
}, TIMEOUT_MS);
timer.unref();

let outcome;
try {
  outcome = await run();
} catch (error) {
  log(error?.stack ?? String(error));
  outcome = { code: 1, report: { error: String(error?.message ?? error) } };
}
const finish = () => process.exit(outcome.code);
if (outcome.report) process.stdout.write(`${JSON.stringify(outcome.report, null, 2)}\n`, finish);
else finish();
