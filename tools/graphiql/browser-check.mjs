// Drives contact-graph's GraphiQL page in headless Chromium (Debian's, no browser download)
// the way a person would, and prints a JSON report on stdout:
//
//   node browser-check.mjs <page url> <expected token> [screenshot.png] [contact id]
//
// Checks: the page renders GraphiQL from this server alone (any other address is blocked and
// reported), the Monaco workers load, the headers editor shows the development token, the
// schema arrives by introspection without errors and the docs explorer and the explorer
// plugin show it, and the default query runs with the token and shows its result. Exits 0 when every check passed.
// CHROMIUM (default /usr/bin/chromium) names the browser.
import { chromium } from 'playwright-core';

const [pageUrl, token, screenshot, contactId] = process.argv.slice(2);
if (!pageUrl || !token) {
  console.error(
    'usage: node browser-check.mjs <page url> <expected token> [screenshot.png] [contact id]',
  );
  process.exit(2);
}
const origin = new URL(pageUrl).origin;
const report = {
  url: pageUrl,
  checks: {},
  outside: [],
  pageErrors: [],
  consoleErrors: [],
  workers: [],
  introspection: null,
  query: null,
  subscription: null,
};
const check = (name, ok, detail) => {
  report.checks[name] = detail === undefined ? { ok } : { ok, detail };
};
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // Nothing may come from anywhere but this server (data: URLs are inline).
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/') || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    report.outside.push(url);
    return route.abort();
  });
  page.on('pageerror', (error) => report.pageErrors.push(String(error.message || error)));
  page.on('console', (message) => {
    if (message.type() === 'error') report.consoleErrors.push(message.text().slice(0, 500));
  });
  page.on('worker', (worker) => report.workers.push(worker.url()));
  const frames = [];
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => frames.push(['sent', String(frame.payload)]));
    socket.on('framereceived', (frame) => frames.push(['received', String(frame.payload)]));
  });

  const operations = [];
  page.on('requestfinished', async (request) => {
    if (request.method() !== 'POST' || !request.url().startsWith(origin)) return;
    try {
      const body = request.postDataJSON();
      const response = await request.response();
      operations.push({
        operationName: body && body.operationName,
        authorization: await request.headerValue('authorization'),
        status: response && response.status(),
        result: response ? await response.json() : null,
      });
    } catch (error) {
      operations.push({ error: String(error) });
    }
  });
  const operation = async (name) => {
    const deadline = Date.now() + TIMEOUT;
    while (Date.now() < deadline) {
      const found = operations.find((op) => op.operationName === name);
      if (found) return found;
      await page.waitForTimeout(100);
    }
    return null;
  };

  await page.goto(pageUrl);
  await page.locator('.graphiql-container').waitFor();
  check('renders', true);
  check(
    'version',
    true,
    await page.evaluate(() => globalThis.ContactGraphGraphiQL && ContactGraphGraphiQL.version),
  );

  // The headers editor (shown by default) holds the token; Monaco renders its lines as text.
  // (The variables editor is there too, hidden.)
  const HEADERS = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .view-lines';
  await page.waitForFunction(
    (selector) => document.querySelector(selector)?.textContent.includes('Bearer'),
    HEADERS,
  );
  const shown = ((await page.locator(HEADERS).textContent()) || '').replace(/\u00a0/g, ' ');
  check('headers editor shows the token', shown.includes(`"Bearer ${token.slice(0, 20)}`), shown.slice(0, 120));

  // GraphiQL introspects on load: with the token, and without errors.
  const introspection = await operation('IntrospectionQuery');
  report.introspection = introspection && {
    status: introspection.status,
    authorization: introspection.authorization === `Bearer ${token}`,
    errors: introspection.result && introspection.result.errors,
    types: introspection.result?.data?.__schema?.types?.length ?? 0,
  };
  check(
    'introspection',
    !!introspection && introspection.status === 200 && !introspection.result?.errors &&
      report.introspection.types > 0,
  );

  // The docs explorer shows the schema: the root types, then Query's fields.
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.getByText('Query', { exact: true }).first().waitFor();
  await docs.getByText('Query', { exact: true }).first().click();
  await docs.getByText('contacts', { exact: true }).first().waitFor();
  check('docs explorer lists Query.contacts', true);

  // The explorer plugin builds its tree from the same schema.
  await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
  await page.locator('.graphiql-explorer-root .graphiql-explorer-contacts').first().waitFor();
  check('explorer plugin lists contacts', true);

  // The default query runs with the token and its result is shown.
  await page.getByRole('button', { name: /Execute query/ }).click();
  const query = await operation('Contacts');
  const data = query?.result?.data?.contacts;
  report.query = query && {
    status: query.status,
    authorization: query.authorization === `Bearer ${token}`,
    errors: query.result && query.result.errors,
    totalCount: data ? data.totalCount : null,
  };
  check(
    'the default query runs with the token',
    !!query && query.status === 200 && !query.result?.errors && report.query.authorization &&
      typeof report.query.totalCount === 'number',
  );
  await page.waitForFunction(() =>
    document.querySelector('.graphiql-response')?.textContent.includes('totalCount'),
  );
  check('the response editor shows the result', true);

  if (contactId) {
    // A subscription typed into the editor runs over the websocket with the token as
    // connection params; a change made meanwhile shows up in the response editor.
    const RESPONSE = '.graphiql-response';
    await page.locator('.graphiql-query-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // (Monaco closes the braces itself.)
    await page.keyboard.type(
      `subscription Live { contactActivity(contactId: "${contactId}") { __typename`,
    );
    // GraphiQL takes the operation name from the editor after a pause: run it once the tab
    // is named after it (sooner, it sends the previous name: "Unknown operation named").
    await page.locator('.graphiql-tab-button', { hasText: 'Live' }).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Enter');
    const deadline = Date.now() + TIMEOUT;
    let changes = 0;
    while (Date.now() < deadline) {
      // until the subscription is live: a change made before it would not be delivered
      changes += 1;
      await fetch(pageUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation($input: ContactTagsInput!) { contactTagsAdd(input: $input) { userErrors { code } } }',
          variables: { input: { contactId, tags: [`live-${Date.now()}-${changes}`] } },
        }),
      });
      await page.waitForTimeout(500);
      const text = (await page.locator(RESPONSE).textContent()) || '';
      if (text.includes('ContactTagsActivity')) break;
    }
    const init = frames.find(([way, data]) => way === 'sent' && data.includes('connection_init'));
    report.subscription = {
      changes,
      tokenAsConnectionParams: !!init && init[1].includes(`Bearer ${token}`),
      received: frames.filter(([way, data]) => way === 'received' && data.includes('"next"'))
        .length,
    };
    const shownLive = ((await page.locator(RESPONSE).textContent()) || '').includes(
      'ContactTagsActivity',
    );
    check(
      'a subscription delivers over the websocket',
      shownLive && report.subscription.tokenAsConnectionParams && report.subscription.received > 0,
      report.subscription,
    );
  }

  const labels = report.workers.map((url) => new URL(url).pathname.split('/').pop());
  check('monaco workers from this server', labels.includes('editor.worker.js'), labels);
  if (screenshot) await page.screenshot({ path: screenshot });
} catch (error) {
  report.failure = String(error && error.stack ? error.stack : error).slice(0, 2000);
} finally {
  await browser.close();
}
check('nothing from outside', report.outside.length === 0, report.outside);
check('no page errors', report.pageErrors.length === 0, report.pageErrors);
report.ok = !report.failure && Object.values(report.checks).every((c) => c.ok);
console.log(JSON.stringify(report, null, 2));
process.exit(report.ok ? 0 : 1);
