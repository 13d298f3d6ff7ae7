// The "reviews" subgraph (reviews.graphql): a stand-in for another team's subgraph that extends
// contact-graph's `Contact`. Served in process by gateway-check.mjs (behind @apollo/gateway) and
// hive-subscription-check.mjs (behind Hive Gateway).
//
// Everything is derived from the contact id, so callers can predict it:
//   loyaltyPoints(id) = sum((i + 1) * codePoint(id[i])) mod 10007
//   reviews: 1 + points % 2 of them; review k has id "<contact id>:r<k>",
//            rating 1 + (points + k) % 5 and body "Review <k + 1> by <contact id>".
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';

export const REVIEWS_SDL = fileURLToPath(new URL('./reviews.graphql', import.meta.url));

export function loyaltyPoints(id) {
  let total = 0;
  let i = 0;
  for (const ch of String(id)) {
    i += 1;
    total = (total + i * ch.codePointAt(0)) % 10007;
  }
  return total;
}

export function reviewsOf(contactId) {
  const points = loyaltyPoints(contactId);
  return Array.from({ length: 1 + (points % 2) }, (_, k) => ({
    id: `${contactId}:r${k}`,
    rating: 1 + ((points + k) % 5),
    body: `Review ${k + 1} by ${contactId}`,
    contactId,
  }));
}

const reviewsSchema = buildSubgraphSchema({
  typeDefs: parse(readFileSync(REVIEWS_SDL, 'utf8')),
  resolvers: {
    Query: {
      review(_root, { id }) {
        const at = id.lastIndexOf(':r');
        if (at < 0) return null;
        return reviewsOf(id.slice(0, at)).find((r) => r.id === id) ?? null;
      },
    },
    Contact: {
      __resolveReference: (ref) => ({ id: ref.id }),
      loyaltyPoints: (contact) => loyaltyPoints(contact.id),
      reviews: (contact) => reviewsOf(contact.id),
    },
    Review: {
      contact: (review) => ({ __typename: 'Contact', id: review.contactId }),
    },
  },
});

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Serve the reviews subgraph (GraphQL over HTTP, POST JSON only) on a free port of 127.0.0.1.
 * Resolves to {server, url, stats, close()}; stats counts the requests and those that carried
 * exactly `expectedAuthorization` (the client's header, forwarded by the gateway).
 */
export function startReviewsSubgraph(expectedAuthorization) {
  const stats = { requests: 0, withClientAuthorization: 0 };
  const server = createServer(async (req, res) => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST') return reply(405, { errors: [{ message: 'POST only' }] });
    stats.requests += 1;
    if (req.headers.authorization === expectedAuthorization) stats.withClientAuthorization += 1;
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return reply(400, { errors: [{ message: 'the body is not valid JSON' }] });
    }
    const result = await graphql({
      schema: reviewsSchema,
      source: body.query,
      variableValues: body.variables,
      operationName: body.operationName,
    });
    return reply(200, result);
  });
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ server, url: `http://127.0.0.1:${port}/graphql`, stats, close });
    });
  });
}
