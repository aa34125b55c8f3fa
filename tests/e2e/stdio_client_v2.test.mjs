// End-to-end: the official MCP TypeScript SDK v2 client (@modelcontextprotocol/client) drives the
// real mcpd binary over stdio, with the testkit plugin (tests/plugins/testkit.c) loaded.
//
//   MCPD_BIN     path of the mcpd binary (ctest: $<TARGET_FILE:mcpd>)
//   MCPD_CONFIG  the ini CMake generates from tests/e2e/stdio.ini.in
//
// By hand, from tests/e2e after `npm ci`:
//   MCPD_BIN=../../build/mcpd MCPD_CONFIG=../../build/tests/e2e/stdio.ini \
//     node_modules/node/bin/node --test stdio_client_v2.test.mjs
//
// The v2 client speaks the modern era (2026-07-28) and, with versionNegotiation mode 'auto',
// probes with `server/discover` before it would fall back to the legacy `initialize` handshake.
// mcpd is dual-era (docs/protocol.md): it answers the probe with a DiscoverResult, so the client
// settles on 2026-07-28 and sends every request with the modern _meta. What this file proves:
//   1. 'auto' (the mode a dual-era client uses): the probe is answered, the client negotiates
//      2026-07-28 and everything works statelessly on the pipe (no initialize at all). On the
//      SDK's own StdioClientTransport the probe may run on a disposable sibling process (the SDK
//      spawns mcpd twice); the test hooks that sibling to record its messages.
//   2. 'auto' on a transport subclass, which the SDK probes in place: the same mcpd process gets
//      server/discover first and serves the modern session.
//   3. 'legacy' (the SDK's default): the plain 2025 handshake, no probe.
// Every session records every message in both directions. Every wait is bounded. Closing the
// client must end mcpd with exit code 0 (under ASan: no leaks). On failure the server's stderr
// is printed.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const BIN = process.env.MCPD_BIN;
const CONFIG = process.env.MCPD_CONFIG;

const REQ = { timeout: 10_000 }; // every request: the SDK default (60 s) is too patient
const TEST = { timeout: 30_000 }; // every test
const PROBE_TIMEOUT_MS = 5_000; // a silent probe would also fall back on stdio: make it show

const MODERN_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const STATIC_TEXT = 'This is the content of the static text resource.';
const TESTKIT_TOOLS = [
  'echo', 'add', 'all_content', 'fail', 'crash_soft', 'progress', 'slow', 'log', 'whoami',
  'strict', 'serial', 'bad_structured', 'touch', 'selfcheck',
];

// Like the v1 client, the v2 client (2.4.0) runs notification handlers in a microtask but
// handles responses at once, so a progress notification read in the same chunk as its response
// finds its handler gone (typescript-sdk#2580). Tests check progress ordering on the wire.
const SDK_PROGRESS_RACE = /Received a progress notification for an unknown token/;

function tail(text, lines) {
  return text.split('\n').slice(-lines).join('\n');
}

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

const isRequest = (m) => m.method !== undefined && m.id !== undefined;
const isResponse = (m) => m.method === undefined && m.id !== undefined;
const hasModernMeta = (m) => m.params?._meta?.[MODERN_VERSION_KEY] !== undefined;

// Records every message a transport sends and receives into `timeline` as {proc, dir, msg}
// (dir '>' client to server, '<' server to client). Incoming messages are caught through an
// accessor on `onmessage`, so whoever installs a handler (the probe, then the Client) is
// recorded, including the initialize exchange that connect() runs before it returns.
function record(transport, proc, timeline) {
  const send = transport.send.bind(transport);
  transport.send = (msg, options) => {
    timeline.push({ proc, dir: '>', msg });
    return send(msg, options);
  };
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    enumerable: true,
    get: () => handler,
    set: (fn) => {
      handler = fn && ((msg, extra) => {
        timeline.push({ proc, dir: '<', msg });
        return fn(msg, extra);
      });
    },
  });
}

// Resolves with {code, signal} once `child` has exited and its stdio streams are closed (so its
// stderr has been read to the end).
function closedPromise(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      // Already gone; 'close' may still be pending, so give it a moment.
      setTimeout(() => resolve({ code: child.exitCode, signal: child.signalCode }), 50);
    } else {
      child.once('close', (code, signal) => resolve({ code, signal }));
    }
  });
}

const describeTimeline = (timeline) =>
  timeline.map(({ proc, dir, msg }) => `${proc} ${dir} ${JSON.stringify(msg).slice(0, 300)}`)
    .join('\n');

// One client session against its own mcpd. `transportClass` is StdioClientTransport itself (the
// SDK then probes on a sibling process) or a subclass (the SDK probes in place).
class Session {
  constructor(label, { mode, transportClass = StdioClientTransport }) {
    this.label = label;
    this.mode = mode;
    this.timeline = [];
    this.stderr = '';
    this.probeStderr = '';
    this.probeExits = []; // Promise<{code, signal}> per probe sibling
    this.clientErrors = [];
    this.failures = 0;
    this.transport = new transportClass({
      command: BIN,
      args: ['--config', CONFIG],
      env: { ...process.env }, // keeps ASAN_OPTIONS & co. from ctest
      stderr: 'pipe',
    });
    this.transport.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
    record(this.transport, 'session', this.timeline);
    // The SDK spawns the probe sibling as `new sessionTransport.constructor({...params, stderr:
    // 'ignore'})`. An own `constructor` property on this one instance lets the test see that
    // sibling (its messages, stderr and exit) while it stays the SDK's own class, which is what
    // selects the sibling path (an own `_dispose` on the prototype).
    const self = this;
    this.transport.constructor = function ProbeSibling(params) {
      const sibling = new StdioClientTransport({ ...params, stderr: 'pipe' });
      sibling.stderr.on('data', (chunk) => {
        self.probeStderr += chunk;
      });
      record(sibling, `probe${self.probeExits.length + 1}`, self.timeline);
      const start = sibling.start.bind(sibling);
      sibling.start = async () => {
        await start();
        self.probeExits.push(closedPromise(sibling._process));
      };
      return sibling;
    };
    const options = { capabilities: {} };
    if (mode !== undefined) {
      options.versionNegotiation = { mode, probe: { timeoutMs: PROBE_TIMEOUT_MS } };
    }
    this.client = new Client({ name: 'mcpd-e2e-v2', version: '1.0.0' }, options);
    this.client.onerror = (err) => this.clientErrors.push(err);
  }

  async connect() {
    await withTimeout(this.client.connect(this.transport, REQ), 20_000, `${this.label}: connect`);
    // The exit code is the leak check, and the SDK does not expose the process: take it from the
    // transport's (private) field and fail loudly if a new SDK version renames it.
    this.child = this.transport._process;
    assert.ok(this.child, 'StdioClientTransport._process is gone: update the exit-code check');
    this.closed = closedPromise(this.child);
  }

  // Messages of one process, optionally one direction only.
  messages(proc, dir) {
    return this.timeline.filter((e) => e.proc === proc && (!dir || e.dir === dir)).map((e) => e.msg);
  }

  // A test that prints the tail of the server's stderr and the message log when it fails.
  check(name, fn) {
    test(name, TEST, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        this.failures++;
        process.stderr.write(`\n--- ${this.label} / ${name}: FAILED; mcpd stderr (last 30 lines) ---\n` +
                             `${tail(this.stderr, 30)}\n--- messages (last 40) ---\n` +
                             `${describeTimeline(this.timeline.slice(-40))}\n--- end ---\n`);
        throw err;
      }
    });
  }

  before() {
    before(async () => {
      try {
        assert.ok(BIN, 'MCPD_BIN is not set (ctest sets it; by hand: MCPD_BIN=build/mcpd)');
        assert.ok(existsSync(BIN), `MCPD_BIN=${BIN} does not exist: build mcpd first`);
        assert.ok(CONFIG, 'MCPD_CONFIG is not set (ctest sets it to build/tests/e2e/stdio.ini)');
        assert.ok(existsSync(CONFIG), `MCPD_CONFIG=${CONFIG} does not exist: run cmake first`);
        await this.connect();
      } catch (err) {
        this.failures++;
        process.stderr.write(`\n--- ${this.label}: startup FAILED; mcpd stderr ---\n${this.stderr}\n` +
                             `--- probe sibling stderr ---\n${this.probeStderr}\n--- messages ---\n` +
                             `${describeTimeline(this.timeline)}\n---\n`);
        throw err;
      }
    });
  }

  after() {
    after(async () => {
      // Normally the last test has already closed the client; this also reaps mcpd after a
      // failure (stdin EOF, then SIGTERM, then SIGKILL, 2 s apart).
      await withTimeout(this.client.close(), 10_000, 'client.close').catch(() => {});
      if (this.failures > 0) {
        process.stderr.write(`\n--- ${this.label}: full mcpd stderr (${this.failures} failure(s)) ---\n` +
                             `${this.stderr}\n--- probe sibling stderr ---\n${this.probeStderr}\n` +
                             `--- all messages ---\n${describeTimeline(this.timeline)}\n---\n`);
      }
    });
  }

  // The session's first requests (apart from the probe exchange, id `probeId`, when it ran in
  // place) must be the plain legacy handshake: initialize 2025-11-25 (no modern _meta), its
  // result, then notifications/initialized.
  assertLegacyHandshake(probeId) {
    const notProbe = (m) => probeId === undefined || m.id !== probeId;
    const sent = this.messages('session', '>').filter(notProbe);
    const got = this.messages('session', '<').filter(notProbe);
    assert.equal(sent[0]?.method, 'initialize', describeTimeline(this.timeline));
    assert.equal(sent[0].params.protocolVersion, '2025-11-25');
    assert.equal(sent[0].params.clientInfo?.name, 'mcpd-e2e-v2');
    assert.ok(!hasModernMeta(sent[0]), 'initialize carries modern _meta');
    const answer = got.find((m) => isResponse(m) && m.id === sent[0].id);
    assert.ok(answer?.result, `initialize was not answered with a result: ${JSON.stringify(answer)}`);
    assert.equal(answer.result.protocolVersion, '2025-11-25');
    assert.equal(answer.result.serverInfo?.name, 'mcpd');
    assert.equal(sent[1]?.method, 'notifications/initialized');
    assert.equal(sent[1].id, undefined);
    assert.equal(this.client.getProtocolEra(), 'legacy');
    assert.equal(this.client.getNegotiatedProtocolVersion(), '2025-11-25');
    assert.equal(this.client.getServerVersion()?.name, 'mcpd');
    assert.equal(this.client.getDiscoverResult(), undefined);
    // A legacy session is a 2025 client, byte for byte: no modern _meta after the fallback.
    const modern = sent.filter(hasModernMeta);
    assert.deepEqual(modern, [], 'session messages carry modern _meta');
  }

  // The first request the client sent at all (on any process) was server/discover with the
  // modern _meta, and mcpd answered it with a DiscoverResult. Returns that exchange.
  assertProbeAnswered() {
    const first = this.timeline.find((e) => e.dir === '>' && isRequest(e.msg));
    assert.ok(first, 'the client sent no request');
    assert.equal(first.msg.method, 'server/discover',
                 `the v2 client in mode ${JSON.stringify(this.mode)} did not probe first:\n` +
                 describeTimeline(this.timeline));
    assert.equal(first.msg.params?._meta?.[MODERN_VERSION_KEY], '2026-07-28');
    const answer = this.timeline.find((e) => e.proc === first.proc && e.dir === '<' &&
                                       isResponse(e.msg) && e.msg.id === first.msg.id);
    assert.ok(answer, `the probe was not answered:\n${describeTimeline(this.timeline)}`);
    const r = answer.msg.result;
    assert.ok(r, `the probe got no result: ${JSON.stringify(answer.msg)}`);
    assert.ok(r.supportedVersions.includes('2026-07-28'), JSON.stringify(r));
    assert.equal(r.resultType, 'complete');
    assert.equal(r._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'mcpd');
    assert.equal(typeof r.ttlMs, 'number');
    assert.ok(['public', 'private'].includes(r.cacheScope));
    return { first, answer };
  }

  // The client settled on 2026-07-28: nothing it sent was initialize, and every request it
  // sent on the session carries the modern _meta.
  assertModern() {
    assert.equal(this.client.getProtocolEra(), 'modern');
    assert.equal(this.client.getNegotiatedProtocolVersion(), '2026-07-28');
    const sent = this.timeline.filter((e) => e.dir === '>').map((e) => e.msg);
    assert.ok(!sent.some((m) => m.method === 'initialize'), 'the client sent initialize');
    assert.deepEqual(sent.filter((m) => isRequest(m) && !hasModernMeta(m)), [],
                     'requests without the modern _meta');
  }

  // Closing the client closes mcpd's stdin: it must exit by itself (not by the SDK's SIGTERM
  // two seconds later) and with code 0.
  async assertCloseExitsZero() {
    const closing = this.client.close();
    const { code, signal } = await withTimeout(this.closed, 20_000, 'mcpd exit after client.close');
    await withTimeout(closing, 10_000, 'client.close');
    assert.equal(signal, null, `mcpd was killed by ${signal}`);
    assert.equal(code, 0, `mcpd exit code ${code}`);
    assert.doesNotMatch(this.stderr, /SIGTERM|SIGKILL/, 'mcpd did not exit on stdin EOF by itself');
    assert.match(this.stderr, /client closed stdin/);
  }
}

async function rejectsWith(promise, code, what) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ProtocolError, `${what}: expected a ProtocolError, got ${err}`);
    assert.equal(err.code, code, `${what}: error code (message: ${err.message})`);
    return true;
  });
}

describe('mcpd over stdio with the SDK v2 client, versionNegotiation auto (probe on a sibling)', () => {
  const s = new Session('auto', { mode: 'auto' });
  const call = (name, args = {}, options = {}) =>
    s.client.callTool({ name, arguments: args }, { ...REQ, ...options });
  const wire = () => s.messages('session', '<');
  s.before();
  s.after();

  s.check('negotiation: server/discover answered, the client settled on 2026-07-28', async (t) => {
    const { first } = s.assertProbeAnswered();
    s.assertModern();
    // A sibling that probed is stopped with stdin EOF and SIGTERM at once; mcpd drains and
    // exits 0.
    for (const [i, exit] of s.probeExits.entries()) {
      const sibling = await withTimeout(exit, 10_000, `probe sibling ${i + 1} exit`);
      assert.deepEqual(sibling, { code: 0, signal: null }, `probe sibling stderr:\n${s.probeStderr}`);
    }
    t.diagnostic(`probe ran on ${first.proc}; ${s.probeExits.length} sibling(s)`);
    const caps = s.client.getServerCapabilities();
    for (const c of ['tools', 'resources', 'prompts', 'logging', 'completions']) {
      assert.equal(typeof caps?.[c], 'object', `capability ${c} missing in ${JSON.stringify(caps)}`);
    }
    for (const line of describeTimeline(s.timeline.slice(0, 5)).split('\n')) {
      t.diagnostic(line);
    }
  });

  s.check('tools/list results carry resultType, serverInfo, ttlMs and cacheScope', async () => {
    const mark = s.timeline.length;
    await s.client.listTools({}, REQ);
    const answer = s.timeline.slice(mark).find((e) => e.dir === '<' && isResponse(e.msg));
    const r = answer.msg.result;
    assert.equal(r.resultType, 'complete');
    assert.equal(r._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'mcpd');
    assert.equal(typeof r.ttlMs, 'number');
  });

  s.check('tools/list: every testkit tool, echo\'s schemas', async () => {
    const { tools, nextCursor } = await s.client.listTools({}, REQ);
    assert.equal(nextCursor, undefined, 'testkit\'s tools fit one page');
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of TESTKIT_TOOLS) {
      assert.ok(byName.has(name), `tool ${name} missing from ${[...byName.keys()]}`);
    }
    const echo = byName.get('echo');
    assert.deepEqual(echo.inputSchema, {
      type: 'object',
      properties: { text: { type: 'string', description: 'Text to echo back' } },
      required: ['text'],
    });
    assert.deepEqual(echo.outputSchema, {
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
      additionalProperties: false,
    });
    assert.equal(echo.annotations?.readOnlyHint, true);
  });

  s.check('tools/call echo: text content and structuredContent', async () => {
    const text = 'héllo "wörld" \\ \n\t✓ 𝄞';
    const r = await call('echo', { text });
    assert.notEqual(r.isError, true, textOf(r));
    assert.deepEqual(r.content, [{ type: 'text', text }]);
    assert.deepEqual(r.structuredContent, { text });
  });

  s.check('tools/call with invalid arguments: isError result naming the field', async () => {
    for (const [tool, args, field] of [
      ['echo', {}, 'text'],
      ['echo', { text: 5 }, 'text'],
      ['strict', { mode: 'medium', code: 'ABC-1' }, 'mode'],
    ]) {
      const r = await call(tool, args);
      const what = `${tool} ${JSON.stringify(args)}`;
      assert.equal(r.isError, true, `${what} was accepted: ${JSON.stringify(r)}`);
      assert.ok(textOf(r).includes(field), `${what}: message does not name "${field}": ${textOf(r)}`);
    }
  });

  s.check('tools/call of an unknown tool: JSON-RPC error -32602', async () => {
    await rejectsWith(call('no_such_tool'), ProtocolErrorCode.InvalidParams, 'unknown tool');
  });

  s.check('progress: onprogress sees increasing progress, all notifications before the result', async () => {
    const mark = wire().length;
    const seen = [];
    const r = await call('progress', { steps: 5, delay_ms: 20 }, { onprogress: (p) => seen.push(p) });
    assert.equal(textOf(r), 'done');

    const msgs = wire().slice(mark);
    const notes = msgs.flatMap((m, i) => (m.method === 'notifications/progress' ? [{ m, i }] : []));
    assert.equal(notes.length, 5, JSON.stringify(notes.map((n) => n.m.params)));
    const token = notes[0].m.params.progressToken; // the SDK uses the request id
    const answer = msgs.findIndex((m) => isResponse(m) && m.id === token);
    assert.ok(answer >= 0, 'no response with the progress token\'s request id');
    notes.forEach(({ m, i }, k) => {
      assert.equal(m.params.progressToken, token);
      assert.equal(m.params.progress, k + 1);
      assert.equal(m.params.total, 5);
      assert.ok(i < answer, `progress ${k + 1} arrived after the response`);
    });
    // What reached onprogress: those notifications in order, possibly without the last one
    // (SDK_PROGRESS_RACE), each larger than the one before.
    assert.ok(seen.length >= 4, JSON.stringify(seen));
    for (let k = 1; k < seen.length; k++) {
      assert.ok(seen[k].progress > seen[k - 1].progress, JSON.stringify(seen));
    }
    assert.deepEqual(seen, notes.slice(0, seen.length).map(({ m }) => {
      const { progressToken, ...rest } = m.params;
      return rest;
    }));
  });

  s.check('cancellation: slow calls aborted by AbortSignal stop on the server, which stays usable', async () => {
    // As many slow calls as the config has workers ([limits] workers = 4): if the server did not
    // stop them, no worker would be free for the echo below for ten seconds.
    const mark = s.timeline.length;
    const controllers = Array.from({ length: 4 }, () => new AbortController());
    const calls = controllers.map((c) =>
      call('slow', { ms: 10_000 }, { signal: c.signal, timeout: 20_000 }));
    await sleep(200);
    const abortedAt = Date.now();
    controllers.forEach((c) => c.abort('e2e cancels'));
    const settled = await Promise.allSettled(
      calls.map((p) => withTimeout(p, 2_000, 'rejection of a cancelled call')));
    for (const r of settled) {
      assert.equal(r.status, 'rejected', `a cancelled call resolved: ${JSON.stringify(r.value)}`);
      assert.doesNotMatch(String(r.reason?.message ?? r.reason), /timed out after/);
    }
    assert.ok(Date.now() - abortedAt < 1_000, 'cancelled calls took over 1 s to reject');

    const r = await call('echo', { text: 'after cancel' }, { timeout: 3_000 });
    assert.equal(textOf(r), 'after cancel');
    assert.ok((await s.client.listTools({}, { timeout: 3_000 })).tools.length > 0);
    // The client told the server, one notifications/cancelled per call.
    const sent = s.timeline.slice(mark).filter((e) => e.dir === '>').map((e) => e.msg);
    const slowIds = sent.filter((m) => m.params?.name === 'slow').map((m) => m.id);
    const cancelled = sent.filter((m) => m.method === 'notifications/cancelled');
    assert.deepEqual(cancelled.map((m) => m.params.requestId).sort(), [...slowIds].sort());
    // A cancelled request gets no response (cancellation.mdx, SHOULD); the SDK reports any that
    // arrives as "unknown message ID". Give a late one time to show up.
    await sleep(300);
    const late = s.clientErrors.filter((e) => /unknown message ID/i.test(e.message));
    assert.deepEqual(late.map((e) => e.message), [], 'responses were sent for cancelled requests');
  });

  s.check('resources/read test://static-text', async () => {
    const r = await s.client.readResource({ uri: 'test://static-text' }, REQ);
    assert.equal(r.contents.length, 1);
    assert.equal(r.contents[0].uri, 'test://static-text');
    assert.equal(r.contents[0].mimeType, 'text/plain');
    assert.equal(r.contents[0].text, STATIC_TEXT);
  });

  s.check('prompts/get greet', async () => {
    const r = await s.client.getPrompt({ name: 'greet', arguments: { name: 'Ada', style: 'pirate' } }, REQ);
    assert.equal(r.description, 'A pirate greeting for Ada');
    assert.deepEqual(r.messages.map((m) => m.role), ['user', 'assistant']);
    assert.deepEqual(r.messages[0].content, { type: 'text', text: 'Please greet Ada in a pirate style.' });
    assert.deepEqual(r.messages[1].content, { type: 'text', text: 'Ahoy, Ada!' });
  });

  s.check('completion/complete greet.style "p" → ["pirate"]', async () => {
    const r = await s.client.complete(
      { ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'style', value: 'p' } }, REQ);
    assert.deepEqual(r.completion.values, ['pirate']);
  });

  s.check('no unexpected client-side errors during the session', () => {
    const unexpected = s.clientErrors.filter((e) => !SDK_PROGRESS_RACE.test(e.message));
    assert.deepEqual(unexpected.map((e) => e.message), []);
  });

  s.check('client.close(): mcpd exits with code 0 (under ASan: no leaks)', async () => {
    await s.assertCloseExitsZero();
  });
});

// A subclass of the SDK's transport is probed in place: one mcpd process sees server/discover
// (modern _meta) and then the modern requests on the same pipe.
class InPlaceStdioTransport extends StdioClientTransport {}

describe('mcpd over stdio with the SDK v2 client, versionNegotiation auto (probe in place)', () => {
  const s = new Session('auto-in-place', { mode: 'auto', transportClass: InPlaceStdioTransport });
  s.before();
  s.after();

  s.check('negotiation: one process got server/discover and settled on 2026-07-28', () => {
    const { first } = s.assertProbeAnswered();
    assert.equal(first.proc, 'session', 'a subclassed transport was probed on a sibling');
    assert.equal(s.probeExits.length, 0);
    s.assertModern();
  });

  s.check('the session works: echo', async () => {
    const r = await s.client.callTool({ name: 'echo', arguments: { text: 'in place' } }, REQ);
    assert.deepEqual(r.structuredContent, { text: 'in place' });
    assert.equal(textOf(r), 'in place');
  });

  s.check('client.close(): mcpd exits with code 0', async () => {
    assert.deepEqual(s.clientErrors.map((e) => e.message), []);
    await s.assertCloseExitsZero();
  });
});

for (const [label, mode] of [['explicit legacy', 'legacy'], ['default (no option)', undefined]]) {
  describe(`mcpd over stdio with the SDK v2 client, versionNegotiation ${label}`, () => {
    const s = new Session(label, { mode });
    s.before();
    s.after();

    s.check('negotiation: initialize first, no server/discover anywhere', () => {
      assert.equal(s.probeExits.length, 0, 'a probe sibling was spawned');
      assert.deepEqual(s.timeline.filter((e) => e.msg.method === 'server/discover'), []);
      s.assertLegacyHandshake();
    });

    s.check('the session works: tools/list and echo', async () => {
      const { tools } = await s.client.listTools({}, REQ);
      assert.ok(tools.some((t) => t.name === 'echo'));
      const r = await s.client.callTool({ name: 'echo', arguments: { text: label } }, REQ);
      assert.deepEqual(r.structuredContent, { text: label });
    });

    s.check('client.close(): mcpd exits with code 0', async () => {
      assert.deepEqual(s.clientErrors.map((e) => e.message), []);
      await s.assertCloseExitsZero();
    });
  });
}
