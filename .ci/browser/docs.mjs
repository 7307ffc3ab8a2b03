// Real-browser test of the example app's docs page (Swagger UI at /docs/).
//
//   BASE=http://127.0.0.1:PORT [CHROMIUM=/usr/bin/chromium]
//   [SCREENSHOT=target/docs-ui.png] node .ci/browser/docs.mjs
//
// Drives Debian's Chromium with playwright-core (no browser of Playwright's
// own). Every step has a timeout, and so has the whole run; on any failure it
// saves the screenshot, prints a clear message and exits 1. The token never
// reaches the log: messages are scrubbed of it, and the screenshot masks the
// places Swagger UI shows it (the curl command, the bearer field).

import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = (process.env.BASE || '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.env.SCREENSHOT || 'target/docs-ui.png';
const ACTION_MS = 10_000; // one click, fill or wait
const STEP_MS = 20_000; // one step: a few actions
const TOTAL_MS = 120_000; // the whole run
// A name that is not loopback-looking, mapped to the app by Chromium's
// resolver. Swagger UI skips some external fetches for URLs containing
// "localhost" or "127.0.0.1" (its validator badge, which calls
// validator.swagger.io; only the standalone layout shows it today), so the
// offline check is repeated under this name, as a deployed app is seen.
const ALIAS = 'docs.warden.test';

if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(BASE)) {
  console.error(`FAIL: BASE must be http://127.0.0.1:PORT, got ${JSON.stringify(BASE)}`);
  process.exit(2);
}
const PORT = new URL(BASE).port;
// The app may be served under a path prefix (the example's PREFIX).
const PREFIX = (process.env.PREFIX || '').replace(/\/+$/, '');
const APP = `${BASE}${PREFIX}`;
const ALIAS_BASE = `http://${ALIAS}:${PORT}`;

let token = '';
const redact = (text) => {
  let out = String(text);
  if (token) out = out.split(token).join('<token>');
  return out.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '<jwt>');
};
const log = (msg) => console.log(redact(msg));

let browser;
let page; // the page a failure screenshot is taken of
const requests = []; // every URL any page asked for: { origin, url }
const pageErrors = [];
let failing = false;

async function screenshot() {
  if (!page || page.isClosed()) return;
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({
    path: SCREENSHOT,
    fullPage: true,
    timeout: 10_000,
    mask: [page.locator('.curl-command'), page.locator('#auth-bearer-value')],
  });
  log(`screenshot: ${SCREENSHOT}`);
}

async function fail(message) {
  if (failing) return;
  failing = true;
  console.error(redact(`FAIL: ${message}`));
  for (const e of pageErrors) console.error(redact(`  page error: ${e}`));
  try {
    await screenshot();
  } catch (e) {
    console.error(redact(`  (no screenshot: ${e.message.split('\n')[0]})`));
  }
  await Promise.race([browser?.close().catch(() => {}), sleep(5_000)]);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs one step with a deadline; a failure names the step.
async function step(name, fn, ms = STEP_MS) {
  const started = Date.now();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    const value = await Promise.race([fn(), deadline]);
    log(`ok   ${name} (${Date.now() - started} ms)`);
    return value;
  } catch (e) {
    await fail(`${name}: ${e.message.split('\n').slice(0, 6).join('\n  ')}`);
  } finally {
    clearTimeout(timer);
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const watchdog = setTimeout(() => fail(`whole run exceeded ${TOTAL_MS} ms`), TOTAL_MS);
process.on('unhandledRejection', (e) => fail(`unhandled: ${e?.message ?? e}`));

// Opens the docs page at `base` and checks what it renders.
async function openDocs(base) {
  const response = await page.goto(`${base}/docs/`, { waitUntil: 'load', timeout: 30_000 });
  check(response?.status() === 200, `GET /docs/ -> ${response?.status()}`);
  await page.locator('.swagger-ui .info .title').filter({ hasText: 'JWT-protected API' })
    .waitFor({ state: 'visible' });
  const title = await page.title();
  check(title.includes('JWT-protected API'), `document title is ${JSON.stringify(title)}`);
  // Swagger UI breaks paths with <wbr>, so match its data-path attribute and
  // compare the visible text with the break characters removed.
  for (const path of ['/public/info/', '/private/info/', '/auth/']) {
    const summary = page.locator(`.opblock-summary-path[data-path="${path}"]`);
    await summary.waitFor({ state: 'visible' });
    const shown = (await summary.innerText()).replace(/[\u200b\s]/g, '');
    check(shown === path, `operation path shows ${JSON.stringify(shown)}, want ${path}`);
  }
  const errors = page.locator('.swagger-ui .errors-wrapper');
  if (await errors.isVisible()) throw new Error(`Swagger UI reports errors: ${await errors.innerText()}`);
}

// Checks that every request so far went to `origin` only.
function checkOffline(origin) {
  const foreign = requests.filter((r) =>
    (r.origin === origin || r.origin === 'unknown') && !r.url.startsWith(`${origin}/`));
  check(
    foreign.length === 0,
    `requests left the app (${origin}):\n  ${[...new Set(foreign.map((r) => r.url))].join('\n  ')}`,
  );
  const own = requests.filter((r) => r.origin === origin).length;
  check(own > 0, `no requests recorded for ${origin}`);
  return own;
}

// Clicks Execute in an expanded operation and returns the UI's code and body.
async function execute(op) {
  const answered = page.waitForResponse(
    (r) => r.url() === `${APP}/private/info/` && r.request().method() === 'GET',
  );
  await op.locator('button.execute').click();
  const response = await answered;
  const status = String(response.status());
  const row = op.locator('.live-responses-table .response').first();
  await row.locator('.response-col_status').filter({ hasText: status }).waitFor();
  const body = (await row.locator('.response-col_description pre').first().innerText()).trim();
  return { status, body, request: response.request() };
}

// ---------------------------------------------------------------------------

log(`app: ${BASE}; chromium: ${CHROMIUM}`);

browser = await step('launch chromium', () => chromium.launch({
  executablePath: CHROMIUM,
  // chromium.launch gives every run a new temporary profile and deletes it
  // on close; no --user-data-dir may be passed here.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic',
    `--host-resolver-rules=MAP ${ALIAS} 127.0.0.1`],
  timeout: 60_000,
}), 70_000);
log(`browser ${browser.version()}`);

const context = await step('new context', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  ctx.setDefaultTimeout(ACTION_MS);
  ctx.setDefaultNavigationTimeout(30_000);
  return ctx;
});

// The origin each page was opened for; a request to anything else is
// recorded and then refused, so a stray CDN fetch fails fast, not slowly.
const pageOrigin = new Map();
const originOf = (request) => {
  try {
    return pageOrigin.get(request.frame().page()) ?? 'unknown';
  } catch {
    return 'unknown'; // a worker's request has no frame
  }
};
context.on('request', (r) => requests.push({ origin: originOf(r), url: r.url() }));
await context.route('**/*', (route) => {
  const origin = originOf(route.request());
  return route.request().url().startsWith(`${origin}/`)
    ? route.continue()
    : route.abort('blockedbyclient');
});

page = await context.newPage();
pageOrigin.set(page, BASE);
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('console', (m) => {
  if (m.type() === 'error') log(`  console: ${m.text()}`);
});

// a. The page renders the API.
await step('docs page renders title and the three operations', () => openDocs(APP), 30_000);
await step('profile is fresh (no persisted authorization)', async () => {
  const stored = await page.evaluate(() => window.localStorage.getItem('authorized'));
  check(stored === null, 'localStorage already holds an authorization');
});

// c. A token, from Node; and the server-side truth the UI must match.
await step('POST /auth/ returns a token', async () => {
  const res = await fetch(`${APP}/auth/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: randomUUID() }),
    signal: AbortSignal.timeout(ACTION_MS),
  });
  check(res.status === 200, `POST /auth/ -> ${res.status}`);
  const json = await res.json();
  check(typeof json.token === 'string' && json.token.split('.').length === 3,
    'no JWT in the answer');
  token = json.token;
});
await step('GET /private/info/ without a token is 401 (plain fetch)', async () => {
  const res = await fetch(`${APP}/private/info/`, { signal: AbortSignal.timeout(ACTION_MS) });
  check(res.status === 401, `got ${res.status}, want 401`);
});

// d. Try it out: refused before authorizing, answered after.
const op = page.locator('#operations-Private-protected_info');
await step('expand GET /private/info/ and click "Try it out"', async () => {
  await op.locator('.opblock-summary-control').click();
  await op.locator('button.try-out__btn', { hasText: 'Try it out' }).click();
  await op.locator('button.execute').waitFor({ state: 'visible' });
});
await step('Execute before authorizing shows 401', async () => {
  const { status, body, request } = await execute(op);
  check(!(await request.headerValue('authorization')), 'an Authorization header was sent');
  check(status === '401', `UI shows code ${status}, want 401`);
  check(body.includes('"status_code": 401'), `UI body lacks "status_code": 401: ${body}`);
});

await step('Authorize with the bearer token', async () => {
  await page.locator('.auth-wrapper button.btn.authorize').click();
  const modal = page.locator('.modal-ux');
  await modal.waitFor({ state: 'visible' });
  // Each scheme of the operation's alternatives has its own form.
  const form = modal.locator('.auth-container form')
    .filter({ has: page.locator('h4', { hasText: 'bearerAuth' }) });
  await form.locator('#auth-bearer-value').fill(token);
  await form.locator('button.modal-btn.authorize[type=submit]').click();
  await form.getByText('Authorized', { exact: true }).waitFor();
  await form.locator('code', { hasText: '******' }).waitFor();
  await form.locator('button.btn-done').click();
  await modal.waitFor({ state: 'hidden' });
  await page.locator('.auth-wrapper button.btn.authorize.locked').waitFor();
});

await step('Execute after authorizing shows 200 and "public": false', async () => {
  const { status, body, request } = await execute(op);
  const sent = await request.headerValue('authorization');
  check(sent === `Bearer ${token}`, `Authorization header sent: ${sent ? 'wrong value' : 'none'}`);
  check(status === '200', `UI shows code ${status}, want 200: ${body}`);
  check(body.includes('"public": false'), `UI body lacks "public": false: ${body}`);
});

// b. Nothing left the app while the page loaded and ran.
await step(`no request left ${BASE}`, async () => {
  const n = checkOffline(BASE);
  check(pageErrors.length === 0, `uncaught page errors:\n  ${pageErrors.join('\n  ')}`);
  log(`     (${n} requests, all to the app)`);
});

// e. The artifact: the authorized, answered page.
await step('screenshot', screenshot);

// b, again, under a name a deployment would have.
await step(`docs page under ${ALIAS_BASE} makes no outside request`, async () => {
  const aliasPage = await context.newPage();
  pageOrigin.set(aliasPage, ALIAS_BASE);
  aliasPage.on('pageerror', (e) => pageErrors.push(e.message));
  page = aliasPage;
  await openDocs(`${ALIAS_BASE}${PREFIX}`);
  // Let late fetches (badges, fonts, images) start.
  await aliasPage.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
  const n = checkOffline(ALIAS_BASE);
  log(`     (${n} requests, all to the app)`);
  await aliasPage.close();
  page = context.pages()[0];
}, 45_000);

clearTimeout(watchdog);
await browser.close();
log('docs page browser test passed');
