// Hive Gateway configuration for contact-graph (`hive-gateway supergraph <file> -c <this file>`),
// used by hive-subscription-check.mjs. The supergraph names our subgraph "contacts" (compose.mjs).
//
// - Subscriptions to contact-graph go over its websocket (graphql-transport-ws at /graphql):
//   Hive Gateway's HTTP/SSE link to strawberry delivers no events (design/pitfalls.md).
// - The caller's token reaches every subgraph: as the `authorization` header on HTTP requests
//   (queries, mutations, `_entities`), and as `{"Authorization": ...}` in the connection_init
//   payload of the websocket to contact-graph (what server/view.py on_ws_connect reads).
//   A client of the gateway gives it as the Authorization header over HTTP, or in its own
//   connection_init payload (either spelling) over a websocket.
import { defineConfig } from '@graphql-hive/gateway';

const CALLER_AUTHORIZATION = '{context.headers.authorization}';

/** The caller's Authorization from the connection_init payload, whichever its spelling. */
function authorizationFromConnectionParams(params) {
  if (!params || typeof params !== 'object') return undefined;
  for (const [key, value] of Object.entries(params)) {
    if (key.toLowerCase() === 'authorization' && typeof value === 'string' && value) return value;
  }
  return undefined;
}

/**
 * For a websocket client the gateway's `context.headers` are the upgrade request's headers
 * merged with the connection_init payload, keys as the client spelled them: give the token the
 * lower-case key the interpolations above read (HTTP headers already answer in any case).
 */
const useCallerAuthorization = {
  onContextBuilding({ context, extendContext }) {
    const fromParams = authorizationFromConnectionParams(context.connectionParams);
    if (fromParams && context.headers?.authorization !== fromParams) {
      extendContext({ headers: { ...context.headers, authorization: fromParams } });
    }
  },
};

export const gatewayConfig = defineConfig({
  transportEntries: {
    '*.http': {
      headers: [['authorization', CALLER_AUTHORIZATION]],
    },
    contacts: {
      options: {
        subscriptions: {
          kind: 'ws',
          location: '/graphql',
          options: {
            connectionParams: { Authorization: CALLER_AUTHORIZATION },
          },
        },
      },
    },
  },
  plugins: () => [useCallerAuthorization],
});
