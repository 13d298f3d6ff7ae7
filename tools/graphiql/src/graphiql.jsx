// The GraphiQL page's one script, bundled by build.mjs (esbuild) with React, GraphiQL, the
// explorer plugin and graphql-ws: the page needs nothing from outside this server.
// server/graphiql.py's inline script calls ContactGraphGraphiQL.render(element, config).
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';

const explorer = explorerPlugin();

/**
 * config: {url, subscriptionUrl, workers: {editor, json, graphql}, headers, defaultQuery}
 * - workers: URLs of the Monaco editor's web workers (built beside this file);
 * - headers: the headers editor's text (JSON with the development token), or "".
 */
function render(element, config) {
  globalThis.MonacoEnvironment = {
    getWorker(_workerId, label) {
      return new Worker(config.workers[label] || config.workers.editor, { name: label });
    },
  };
  const fetcher = createGraphiQLFetcher({
    url: config.url,
    // graphql-transport-ws; GraphiQL sends the headers editor's contents as connection params
    subscriptionUrl: config.subscriptionUrl,
  });
  const headers = config.headers || undefined;
  createRoot(element).render(
    <GraphiQL
      fetcher={fetcher}
      plugins={[explorer]}
      defaultQuery={config.defaultQuery}
      initialHeaders={headers}
      defaultHeaders={headers}
      // The token changes with the server's secret: never keep a stale one around.
      shouldPersistHeaders={false}
      isHeadersEditorEnabled
      defaultEditorToolsVisibility="headers"
      inputValueDeprecation
    />,
  );
}

globalThis.ContactGraphGraphiQL = { render, version: GRAPHIQL_VERSION };
