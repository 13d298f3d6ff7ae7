#!/usr/bin/env node
// End-to-end subscription check: contact-graph's `contactActivity` subscription through Hive
// Gateway (@graphql-hive/gateway), joined with a field of a second subgraph.
//
// 1. Serves the "reviews" subgraph (reviews-subgraph.mjs; it adds `Contact.loyaltyPoints`) in
//    process on a free port of 127.0.0.1.
// 2. Composes the supergraph with @theguild/federation-composition (Hive Gateway's composer)
//    from our SDL (served at CONTACT_GRAPH_URL) and reviews.graphql, into a temporary file.
// 3. Starts Hive Gateway's CLI (node_modules/.bin/hive-gateway, no download) on a free port with
//    hive-gateway.config.mjs: subscriptions reach contact-graph over its websocket, and the
//    caller's token goes to every subgraph (HTTP header; connection_init payload on the socket).
// 4. Asks contact-graph directly for a contact (CONTACT_ID, or the first one) and the cursor of
//    its latest activity item.
// 5. Opens a graphql-transport-ws client (graphql-ws) to the GATEWAY, with
//    `{"Authorization": "Bearer $CONTACT_GRAPH_TOKEN"}` as its connection_init payload, and
//    subscribes to `contactActivity(contactId:, after: <that cursor>)` selecting `tagsAdded` and
//    `contact { id fullName loyaltyPoints }` (fullName from contact-graph, loyaltyPoints from
//    the reviews subgraph).
// 6. Once the gateway has acknowledged the connection and the subscription is sent (and half a
//    second more), POSTs `contactTagsAdd(tags: [TAG])` directly to contact-graph, and waits for
//    the event. Nothing tells a client when the gateway's own subscription to contact-graph is
//    live; because ours resumes after the cursor, the event arrives even if that subscription
//    started after the mutation committed (replayed from the database): no race.
//
// Prints one JSON object on stdout: {"gateway", "contactId", "after", "mutation", "event",
// "events", "reviewsSubgraph": {"requests", "withClientAuthorization"}, "error"?}. `event` is the
// `contactActivity` item of the first payload that carries the tag (null if none came); `events`
// are all payloads received ({data, errors}). Exit status: 0 when that event arrived without
// errors, 1 on an error (composition, gateway, GraphQL errors), 2 on a usage error or timeout.
// Logs (the gateway's included) go to stderr.
//
// Environment:
//   CONTACT_GRAPH_URL        contact-graph's endpoint, e.g. http://127.0.0.1:8000/graphql
//   CONTACT_GRAPH_TOKEN      a JWT (`contact-graph token`), sent as a Bearer token
//   CONTACT_GRAPH_SDL        our SDL file (default: ../../schema.graphql)
//   CONTACT_ID               the contact to watch (default: the first of `contacts`)
//   HIVE_CHECK_TAG           the tag to add (default: via-gateway); it must be new on the contact
//   HIVE_CHECK_TIMEOUT_MS    give up after this long (default 20000)
//   LOG_LEVEL                Hive Gateway's log level (default: info)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { DEFAULT_CONTACT_SDL, composeGuild, loadServices } from './compose.mjs';
import { startReviewsSubgraph } from './reviews-subgraph.mjs';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const GATEWAY_BIN = here('./node_modules/@graphql-hive/gateway/dist/bin.js');
const GATEWAY_CONFIG = here('./hive-gateway.config.mjs');
const GATEWAY_VERSION = JSON.parse(
  readFileSync(here('./node_modules/@graphql-hive/gateway/package.json'), 'utf8'),
).version;
const CONTACT_SDL = process.env.CONTACT_GRAPH_SDL || DEFAULT_CONTACT_SDL;
const TAG = process.env.HIVE_CHECK_TAG || 'via-gateway';
const TIMEOUT_MS = Number(process.env.HIVE_CHECK_TIMEOUT_MS || 20_000);
const SETTLE_MS = 500; // between the gateway's connection_ack and the mutation
const STOP_TIMEOUT_MS = 5_000; // for the gateway to exit on SIGTERM before it is killed

const log = (...args) => console.error('[hive-subscription-check]', ...args);

// Never leave the gateway behind: killed when this process exits, however it exits.
let gatewayChild = null;
process.on('exit', () => {
  if (gatewayChild && gatewayChild.exitCode === null && gatewayChild.signalCode === null) {
    gatewayChild.kill('SIGKILL');
  }
});

class Timeout extends Error {}

const deadline = Date.now() + TIMEOUT_MS;
const remaining = () => Math.max(0, deadline - Date.now());
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles with `promise`, or rejects with a Timeout when the run's deadline passes first. */
function beforeDeadline(promise, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`timed out after ${TIMEOUT_MS} ms: ${what}`)),
      remaining());
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function post(url, authorization, query, variables) {
  const headers = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(Math.max(1, remaining())),
  });
  const text = await response.text();
  try {
    return { status: response.status, ...JSON.parse(text) };
  } catch {
    return { status: response.status, errors: [{ message: `not JSON: ${text.slice(0, 500)}` }] };
  }
}

// ---------------------------------------------------------------------------------------------
// Hive Gateway, as its CLI runs it.

/** Spawn the gateway; resolves once /readiness answers 200. */
async function startGateway(supergraphPath) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const args = [GATEWAY_BIN, 'supergraph', supergraphPath, '--config-path', GATEWAY_CONFIG,
    '--host', '127.0.0.1', '--port', String(port)];
  const child = spawn(process.execPath, args, {
    cwd: here('.'),
    env: { NO_COLOR: '1', ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      for (const line of chunk.split('\n')) if (line.trim()) console.error(`[hive-gateway] ${line}`);
    });
  }
  gatewayChild = child;
  const gateway = { child, url, exited, stop: () => stopGateway(child, exited) };
  let dead = null;
  exited.then((how) => { dead = how; });
  try {
    while (true) {
      if (dead) throw new Error(`the gateway exited (${JSON.stringify(dead)}) before it was ready`);
      if (remaining() === 0) throw new Timeout(`timed out after ${TIMEOUT_MS} ms: gateway start`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/readiness`, {
          signal: AbortSignal.timeout(1_000),
        });
        if (response.status === 200) return gateway;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

async function stopGateway(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer;
  const forced = new Promise((resolve) => {
    timer = setTimeout(() => {
      log(`the gateway did not stop in ${STOP_TIMEOUT_MS} ms: killing it`);
      child.kill('SIGKILL');
      resolve();
    }, STOP_TIMEOUT_MS);
  });
  await Promise.race([exited, forced]);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// The check.

const PICK_CONTACT = /* GraphQL */ `
  query Pick($id: ID!, $byId: Boolean!) {
    contact(id: $id) @include(if: $byId) { id activity(first: 1) { edges { cursor } } }
    contacts(first: 1) @skip(if: $byId) {
      edges { node { id activity(first: 1) { edges { cursor } } } }
    }
  }
`;

const TAGS_ADD = /* GraphQL */ `
  mutation TagsAdd($input: ContactTagsInput!) {
    contactTagsAdd(input: $input) { userErrors { code message } }
  }
`;

const SUBSCRIPTION = /* GraphQL */ `
  subscription Activity($contactId: ID!, $after: String) {
    contactActivity(contactId: $contactId, after: $after) {
      __typename
      id
      cursor
      kind
      contactId
      ... on ContactTagsActivity { tagsAdded }
      contact { id fullName loyaltyPoints }
    }
  }
`;

/** The contact to watch and the cursor of its latest activity item, from contact-graph itself. */
async function pickContact(contactUrl, authorization) {
  const wanted = process.env.CONTACT_ID;
  const answer = await post(contactUrl, authorization, PICK_CONTACT,
    { id: wanted ?? '', byId: Boolean(wanted) });
  if (answer.errors?.length || answer.status !== 200) {
    throw new Error(`contact-graph refused the contact query: ${JSON.stringify(answer)}`);
  }
  const contact = wanted ? answer.data.contact : answer.data.contacts.edges[0]?.node;
  if (!contact) throw new Error(wanted ? `no contact ${wanted}` : 'contact-graph has no contacts');
  return { contactId: contact.id, after: contact.activity.edges[0]?.cursor ?? null };
}

/**
 * Subscribe through the gateway. Resolves to {client, events, settled}: `connected` resolves
 * once the gateway acknowledged the connection (the subscribe message is then on its way);
 * `settled` resolves with the matching event, or rejects on an error or an early end.
 */
function subscribe(gatewayUrl, authorization, variables) {
  const events = [];
  let onConnected;
  const connected = new Promise((resolve) => { onConnected = resolve; });
  const client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { Authorization: authorization } : {},
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => onConnected() },
  });
  const settled = new Promise((resolve, reject) => {
    client.subscribe({ query: SUBSCRIPTION, variables }, {
      next(payload) {
        events.push(payload);
        log('event:', JSON.stringify(payload));
        if (payload.errors?.length) {
          reject(new Error(`the event carries errors: ${JSON.stringify(payload.errors)}`));
          return;
        }
        const item = payload.data?.contactActivity;
        if (item?.tagsAdded?.includes(TAG)) resolve(item);
      },
      error(error) {
        const detail = Array.isArray(error) ? JSON.stringify(error)
          : error?.message ?? (error?.code ? `socket closed ${error.code} ${error.reason}` : String(error));
        reject(new Error(`the subscription failed: ${detail}`));
      },
      complete() {
        reject(new Error('the subscription completed before the event arrived'));
      },
    });
  });
  settled.catch(() => {}); // observed by the caller; avoid an unhandled rejection meanwhile
  return { client, events, connected, settled };
}

async function run(report) {
  const contactUrl = process.env.CONTACT_GRAPH_URL;
  if (!contactUrl) {
    log('set CONTACT_GRAPH_URL to contact-graph\'s endpoint, e.g. http://127.0.0.1:8000/graphql');
    return 2;
  }
  const token = process.env.CONTACT_GRAPH_TOKEN;
  const authorization = token ? `Bearer ${token}` : undefined;

  const workdir = mkdtempSync(join(tmpdir(), 'hive-subscription-check-'));
  const reviews = await startReviewsSubgraph(authorization);
  report.reviewsSubgraph = reviews.stats;
  let gateway;
  let subscription;
  try {
    const composed = composeGuild(loadServices({
      contactSdl: CONTACT_SDL, contactUrl, otherUrl: reviews.url,
    }));
    if (!composed.ok) throw new Error(`composition failed: ${JSON.stringify(composed.errors)}`);
    const supergraphPath = join(workdir, 'supergraph.graphql');
    writeFileSync(supergraphPath, composed.supergraphSdl);

    gateway = await startGateway(supergraphPath);
    report.gateway = { version: GATEWAY_VERSION, url: gateway.url };
    log(`hive gateway ${GATEWAY_VERSION} at ${gateway.url} -> contacts ${contactUrl} (ws for `
      + `subscriptions), reviews ${reviews.url}`);

    const { contactId, after } = await beforeDeadline(
      pickContact(contactUrl, authorization), 'asking contact-graph for a contact');
    Object.assign(report, { contactId, after });

    subscription = subscribe(gateway.url, authorization, { contactId, after });
    report.events = subscription.events;
    await beforeDeadline(
      Promise.race([subscription.connected, subscription.settled]),
      'the gateway acknowledging the websocket connection');
    // Let the gateway open its own websocket to contact-graph, so the event usually comes live
    // through the broker; it would come anyway, replayed after the cursor.
    await sleep(Math.min(SETTLE_MS, remaining()));

    const mutation = await post(contactUrl, authorization, TAGS_ADD,
      { input: { contactId, tags: [TAG] } });
    report.mutation = mutation;
    if (mutation.errors?.length || mutation.data?.contactTagsAdd?.userErrors?.length) {
      throw new Error(`contactTagsAdd failed: ${JSON.stringify(mutation)}`);
    }

    report.event = await beforeDeadline(subscription.settled, `the ${TAG} event`);
    return 0;
  } finally {
    await subscription?.client.dispose();
    await gateway?.stop();
    await reviews.close();
    rmSync(workdir, { recursive: true, force: true });
  }
}

// Last resort, should the orderly shutdown itself hang.
setTimeout(() => {
  log(`still running ${STOP_TIMEOUT_MS + 2_000} ms after the deadline: exiting`);
  process.exit(2);
}, TIMEOUT_MS + STOP_TIMEOUT_MS + 2_000).unref();

const report = {
  gateway: null, contactId: null, after: null, mutation: null, event: null, events: [],
  reviewsSubgraph: null,
};
let code;
try {
  code = await run(report);
} catch (error) {
  log(error instanceof Timeout ? error.message : error?.stack ?? String(error));
  report.error = String(error?.message ?? error);
  code = error instanceof Timeout ? 2 : 1;
}
if (code === 2 && !report.error) process.exit(code); // usage error: no report
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`, () => process.exit(code));
