// Runs graphql-http's GraphQL-over-HTTP server audits against a running contact-graph and
// prints the results as JSON on stdout: {url, counts: {ok, notice, warn, error}, results}.
//
//   node audit.mjs http://127.0.0.1:8000/graphql [token]
//
// The token (or AUDIT_TOKEN) goes in an Authorization header on every request: the audits
// ask `__type(...)` too, which contact-graph answers only for an authenticated caller.
// Exits 0 when no audit reports `error` (warnings may remain), 1 otherwise, 2 on bad usage.
import { auditServer } from 'graphql-http';

const [url, argToken] = process.argv.slice(2);
if (!url) {
  console.error('usage: node audit.mjs <graphql url> [token]');
  process.exit(2);
}
const token = argToken || process.env.AUDIT_TOKEN || '';

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: fetchWithToken });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const out = [];
for (const result of results) {
  counts[result.status] = (counts[result.status] || 0) + 1;
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    const response = result.response;
    entry.response = {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: (await response.text().catch(() => '')).slice(0, 500),
    };
  }
  out.push(entry);
}
console.log(JSON.stringify({ url, counts, results: out }, null, 2));
process.exit(counts.error > 0 ? 1 : 0);
