// Renders HTML pages in headless Chromium and fails on a broken image, a console error (or an uncaught exception, or a
// resource that failed to load) or an empty page; saves a full-page screenshot of each. No dependencies: it speaks the
// DevTools protocol over the WebSocket that Node has built in (Node 20 needs --experimental-websocket; check-html.sh
// adds it).
//
//   node check-html.mjs [--chromium PATH] [--screenshots DIR] [--min-text N] PAGE.html...
//   node check-html.mjs --self-test        pages with each fault must fail, a sound page must pass
//
// Exit code 0 when every page passed, 1 when any failed, 2 when Chromium could not be run.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--remote-debugging-port=0"];
const LOAD_TIMEOUT_MS = 120_000;
const MAX_SCREENSHOT_HEIGHT = 16_000;

function parseArgs(argv) {
  const o = { chromium: process.env.CHROMIUM || "/usr/bin/chromium", screenshots: null, minText: 40, pages: [], selfTest: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--chromium") o.chromium = argv[++i];
    else if (a === "--screenshots") o.screenshots = argv[++i];
    else if (a === "--min-text") o.minText = Number(argv[++i]);
    else if (a === "--self-test") o.selfTest = true;
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else o.pages.push(a);
  }
  return o;
}

/** Starts Chromium with a fresh profile and returns the browser's DevTools WebSocket URL. */
async function launch(chromium) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "ct-chromium-"));
  const child = spawn(chromium, [...FLAGS, `--user-data-dir=${profile}`, "about:blank"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", d => { stderr += d; });
  const portFile = path.join(profile, "DevToolsActivePort");
  const started = Date.now();
  while (!fs.existsSync(portFile) || fs.readFileSync(portFile, "utf8").split("\n").length < 2) {
    if (child.exitCode !== null) throw new Error(`chromium exited with code ${child.exitCode}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
    if (Date.now() - started > 60_000) throw new Error("chromium did not open its DevTools port within 60 s");
    await new Promise(r => setTimeout(r, 100));
  }
  const [port, wsPath] = fs.readFileSync(portFile, "utf8").split("\n");
  return { child, profile, url: `ws://127.0.0.1:${port.trim()}${wsPath.trim()}` };
}

/** A DevTools connection: send(method, params, sessionId) → result; on(event, handler). */
async function connect(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error(`cannot connect to ${url}`)); });
  let next = 1;
  const pending = new Map(), handlers = [];
  ws.onmessage = ev => {
    const msg = JSON.parse(typeof ev.data === "string" ? ev.data : Buffer.from(ev.data).toString("utf8"));
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message} (${msg.error.code})`)); else resolve(msg.result);
    } else if (msg.method) for (const h of handlers) h(msg);
  };
  return {
    send(method, params = {}, sessionId) {
      const id = next++;
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    on(handler) { handlers.push(handler); },
    close() { ws.close(); },
  };
}

/** Loads one page in a new tab and collects its problems; writes the screenshot. */
async function checkPage(cdp, file, screenshots, minText) {
  const problems = [];
  const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
  let loaded;
  const loadedPromise = new Promise(r => { loaded = r; });
  cdp.on(msg => {
    if (msg.sessionId !== sessionId) return;
    const p = msg.params;
    if (msg.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert"))
      problems.push(`console ${p.type}: ${p.args.map(a => a.value ?? a.description ?? "").join(" ").slice(0, 300)}`);
    else if (msg.method === "Runtime.exceptionThrown")
      problems.push(`uncaught exception: ${(p.exceptionDetails.exception?.description ?? p.exceptionDetails.text).split("\n")[0]}`);
    else if (msg.method === "Log.entryAdded" && p.entry.level === "error")
      problems.push(`browser error: ${p.entry.text.slice(0, 300)}${p.entry.url ? ` (${p.entry.url.slice(0, 120)})` : ""}`);
    else if (msg.method === "Network.loadingFailed" && !p.canceled)
      problems.push(`failed to load a resource: ${p.errorText}`);
    else if (msg.method === "Page.loadEventFired") loaded();
  });
  for (const domain of ["Runtime", "Log", "Network", "Page"]) await cdp.send(`${domain}.enable`, {}, sessionId);
  await cdp.send("Emulation.setDeviceMetricsOverride", { width: 1366, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
  const url = pathToFileURL(path.resolve(file)).href;
  const nav = await cdp.send("Page.navigate", { url }, sessionId);
  if (nav.errorText) problems.push(`navigation failed: ${nav.errorText}`);
  const timedOut = await Promise.race([loadedPromise.then(() => false), new Promise(r => setTimeout(() => r(true), LOAD_TIMEOUT_MS))]);
  if (timedOut) problems.push(`no load event within ${LOAD_TIMEOUT_MS / 1000} s`);
  // Images are decoded before they count as complete; give late ones a moment.
  const probe = `(async () => {
      const imgs = [...document.images];
      await Promise.all(imgs.map(i => i.decode().catch(() => null)));
      return { images: imgs.length,
               broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => (i.alt || i.getAttribute("src") || "").slice(0, 100)),
               text: document.body ? document.body.innerText.trim().length : 0,
               height: Math.ceil(document.documentElement.scrollHeight) };
    })()`;
  const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", { expression: probe, awaitPromise: true, returnByValue: true }, sessionId);
  if (exceptionDetails) problems.push(`could not inspect the page: ${exceptionDetails.text}`);
  const facts = result?.value ?? { images: 0, broken: [], text: 0, height: 900 };
  for (const b of facts.broken) problems.push(`broken image: ${b}`);
  if (facts.text < minText) problems.push(`empty page: ${facts.text} characters of text`);
  let shot = null;
  if (screenshots) {
    fs.mkdirSync(screenshots, { recursive: true });
    const height = Math.min(Math.max(facts.height, 300), MAX_SCREENSHOT_HEIGHT);
    await cdp.send("Emulation.setDeviceMetricsOverride", { width: 1366, height, deviceScaleFactor: 1, mobile: false }, sessionId);
    const { data } = await cdp.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true }, sessionId);
    shot = path.join(screenshots, path.basename(path.dirname(path.resolve(file))) + "-" + path.basename(file).replace(/\.html?$/i, "") + ".png");
    fs.writeFileSync(shot, Buffer.from(data, "base64"));
  }
  await cdp.send("Target.closeTarget", { targetId });
  return { problems, facts, shot };
}

async function run(pages, options) {
  let browser;
  try { browser = await launch(options.chromium); }
  catch (e) { console.error(`check-html: ${e.message}`); return { code: 2, results: [] }; }
  const results = [];
  try {
    const cdp = await connect(browser.url);
    for (const page of pages) {
      if (!fs.existsSync(page)) { results.push({ page, problems: ["no such file"], facts: null }); continue; }
      results.push({ page, ...(await checkPage(cdp, page, options.screenshots, options.minText)) });
    }
    try { await cdp.send("Browser.close"); } catch { /* closing */ }
    cdp.close();
  } finally {
    // Chromium may still be flushing its profile after Browser.close: wait for the process, then remove with retries.
    const running = () => browser.child.exitCode === null && browser.child.signalCode === null;
    for (let waited = 0; running() && waited < 5000; waited += 50) await new Promise(r => setTimeout(r, 50));
    if (running()) browser.child.kill("SIGKILL");
    for (let waited = 0; running() && waited < 2000; waited += 50) await new Promise(r => setTimeout(r, 50));
    try { fs.rmSync(browser.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); }
    catch (e) { console.error(`check-html: could not remove the temporary profile ${browser.profile}: ${e.code}`); }
  }
  return { code: results.some(r => r.problems.length > 0) ? 1 : 0, results };
}

function report(results) {
  for (const r of results) {
    if (r.problems.length === 0)
      console.log(`ok      ${r.page}: ${r.facts.images} image(s), ${r.facts.text.toLocaleString("en")} characters${r.shot ? `, screenshot ${r.shot}` : ""}`);
    else console.log(`FAILED  ${r.page}: ${r.problems.join("; ")}${r.shot ? ` (screenshot ${r.shot})` : ""}`);
  }
}

async function selfTest(options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ct-check-html-"));
  const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const text = "<p>" + "A page with enough text to count as a page. ".repeat(3) + "</p>";
  const pages = {
    "sound.html": `<!DOCTYPE html><html><body>${text}<img alt="dot" src="data:image/png;base64,${png}"></body></html>`,
    "broken-image.html": `<!DOCTYPE html><html><body>${text}<img alt="gone" src="figures/missing.png"></body></html>`,
    "console-error.html": `<!DOCTYPE html><html><body>${text}<script>console.error("boom")</script></body></html>`,
    "exception.html": `<!DOCTYPE html><html><body>${text}<script>undefinedFunction()</script></body></html>`,
    "empty.html": `<!DOCTYPE html><html><body></body></html>`,
  };
  for (const [name, html] of Object.entries(pages)) fs.writeFileSync(path.join(dir, name), html);
  const { code, results } = await run(Object.keys(pages).map(n => path.join(dir, n)), { ...options, screenshots: null });
  fs.rmSync(dir, { recursive: true, force: true });
  if (code === 2) return 2;
  const wrong = results.filter(r => (path.basename(r.page) === "sound.html") !== (r.problems.length === 0));
  for (const r of results) console.log(`self-test ${path.basename(r.page)}: ${r.problems.length === 0 ? "passed" : "failed (" + r.problems.join("; ") + ")"}`);
  if (wrong.length > 0) { console.log(`self-test: WRONG verdict for ${wrong.map(r => path.basename(r.page)).join(", ")}`); return 1; }
  console.log("self-test: every fault caught, the sound page passed");
  return 0;
}

const options = parseArgs(process.argv.slice(2));
if (typeof WebSocket === "undefined") {
  console.error("check-html: this Node has no WebSocket; run it with node --experimental-websocket (Node 20) or Node 22+");
  process.exit(2);
}
if (options.selfTest) process.exit(await selfTest(options));
if (options.pages.length === 0) { console.error("usage: node check-html.mjs [--chromium PATH] [--screenshots DIR] PAGE.html..."); process.exit(2); }
const { code, results } = await run(options.pages, options);
report(results);
process.exit(code);
