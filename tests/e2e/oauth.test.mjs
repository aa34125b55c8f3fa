// End-to-end OAuth: a real authorization server (oidc-provider, a certified OpenID Connect
// provider) on loopback issues JWT access tokens with the client_credentials grant for mcpd's
// resource URI (RFC 8707 resource indicators); mcpd, over HTTPS, checks them against the JWKS
// the provider serves (written to the file [auth] jwks_file names). The official SDK v1 client
// obtains its token on its own (ClientCredentialsProvider: 401 -> protected resource metadata ->
// authorization server metadata -> token) and calls tools with it. Plain fetch covers the
// refusals: no token, a malformed header, a token for another resource, an expired one, a forged
// one, too few scopes, and a static token revoked by SIGHUP.
//
//   MCPD_BIN, MCPD_TEST_PLUGIN_DIR, MCPD_CERTGEN (as for http_sdk_v1.test.mjs)
//   MCPD_JWT_ALG   the access token algorithm: ES256 (default), RS256 or EdDSA
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Provider, { errors } from 'oidc-provider';

import { startMcpd, tail, withTimeout } from './http_server.mjs';

const ALG = process.env.MCPD_JWT_ALG || 'ES256';
const TEST = { timeout: 60_000 };
const STATIC_TOKEN = 'e2e-static-token-0123456789';

let as; // the authorization server: { server, issuer, provider }
let mcpd;
let resource;
let failures = 0;
let ttl = 300; // access token lifetime the provider gives the next token

function signingKeys() {
  const pairs = [
    ['rsa', generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RS256'],
    ['ec', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'ES256'],
    ['ed', generateKeyPairSync('ed25519'), 'EdDSA'],
  ];
  return pairs.map(([kid, { privateKey }, alg]) => ({ ...privateKey.export({ format: 'jwk' }),
                                                     kid, alg, use: 'sig' }));
}

async function startAuthorizationServer() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'reader', client_secret: 'reader-secret', grant_types: ['client_credentials'],
        redirect_uris: [], response_types: [], scope: 'read' },
      { client_id: 'writer', client_secret: 'writer-secret', grant_types: ['client_credentials'],
        redirect_uris: [], response_types: [], scope: 'read write' },
    ],
    jwks: { keys: signingKeys() },
    scopes: ['read', 'write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => {
          if (!/^https:\/\/127\.0\.0\.1:\d+\/(mcp|other)$/.test(indicator)) {
            throw new errors.InvalidTarget();
          }
          return { scope: 'read write', audience: indicator, accessTokenTTL: ttl,
                   accessTokenFormat: 'jwt', jwt: { sign: { alg: ALG } } };
        },
      },
    },
  });
  server.on('request', provider.callback());
  return { server, issuer, provider };
}

// A token straight from the token endpoint (the refusal tests; the SDK gets its own).
async function token(client, secret, scope, res = resource) {
  const r = await fetch(`${as.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`,
               'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: res }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(body.access_token.split('.').length, 3, 'a JWT access token');
  return body.access_token;
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize',
               params: { protocolVersion: '2025-11-25', capabilities: {},
                         clientInfo: { name: 'oauth-e2e', version: '1' } } };

async function post(authorization, message = INIT, sid) {
  const headers = { accept: 'application/json, text/event-stream',
                    'content-type': 'application/json', 'mcp-protocol-version': '2025-11-25' };
  if (authorization !== undefined) {
    headers.authorization = authorization;
  }
  if (sid) {
    headers['mcp-session-id'] = sid;
  }
  return fetch(mcpd.url, { method: 'POST', headers, body: JSON.stringify(message) });
}

async function refused(authorization, status, challenge) {
  const r = await post(authorization);
  await r.text();
  assert.equal(r.status, status);
  const ch = r.headers.get('www-authenticate') || '';
  assert.match(ch, challenge);
}

async function reload(ini, gen) {
  writeFileSync(path.join(mcpd.dir, 'mcp.ini'), ini);
  const before = mcpd.stderr().length;
  mcpd.proc.kill('SIGHUP');
  const deadline = Date.now() + 10_000;
  while (!mcpd.stderr().slice(before).includes(`generation ${gen} active`)) {
    assert.ok(Date.now() < deadline, `no generation ${gen} after SIGHUP:\n${tail(mcpd.stderr(), 20)}`);
    await sleep(20);
  }
}

describe(`OAuth end to end (oidc-provider, ${ALG}, HTTPS)`, () => {
  let baseIni;
  before(async () => {
    as = await startAuthorizationServer();
    mcpd = await startMcpd({
      bin: process.env.MCPD_BIN,
      pluginDir: process.env.MCPD_TEST_PLUGIN_DIR,
      plugins: [['testkit', 'testkit.so']],
      tls: true,
      certgen: process.env.MCPD_CERTGEN,
    });
    // The resource URI names the port mcpd got: add [auth] now and reload (a per-request key).
    resource = mcpd.url.href;
    const jwks = await (await fetch(`${as.issuer}/jwks`)).json();
    const jwksFile = path.join(mcpd.dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(jwks));
    const hash = createHash('sha256').update(STATIC_TOKEN).digest('hex');
    baseIni = readFileSync(path.join(mcpd.dir, 'mcp.ini'), 'utf8');
    const auth = ['[auth]', `resource = ${resource}`, `issuer = ${as.issuer}`,
                  `jwks_file = ${jwksFile}`, '', '[scopes]', 'read = tool:echo tool:inspect',
                  'write = tool:add', ''].join('\n');
    await reload(`${baseIni}\n${auth}\n[tokens]\nci = sha256:${hash} read\n`, 2);
    baseIni = `${baseIni}\n${auth}`;
  });

  after(async () => {
    if (failures > 0 && mcpd) {
      console.error(`---- mcpd stderr ----\n${tail(mcpd.stderr(), 80)}`);
    }
    as?.server.close();
  });

  test('the SDK client obtains a token from the authorization server and calls tools', TEST,
       async (t) => {
    try {
      const authProvider = new ClientCredentialsProvider({
        clientId: 'reader', clientSecret: 'reader-secret', scope: 'read',
        expectedIssuer: as.issuer });
      const transport = new StreamableHTTPClientTransport(mcpd.url, { authProvider });
      const client = new Client({ name: 'oauth-e2e', version: '1' });
      await withTimeout(client.connect(transport), 20_000, 'connect with OAuth');
      assert.equal(authProvider.tokens()?.token_type?.toLowerCase(), 'bearer');
      const tools = await client.listTools();
      assert.deepEqual(tools.tools.map((x) => x.name), ['echo', 'inspect'],
                       'tools/list shows what "read" grants');
      const r = await client.callTool({ name: 'echo', arguments: { text: 'over oauth' } });
      assert.match(JSON.stringify(r.content), /over oauth/);
      // "add" needs "write": 403 insufficient_scope (the SDK surfaces it as an error).
      await assert.rejects(client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }));
      await client.close();
      assert.doesNotMatch(mcpd.stderr(), new RegExp(authProvider.tokens().access_token.slice(-20)),
                          'the token is never logged');
    } catch (err) {
      failures++;
      throw err;
    }
  });

  test('a writer token may call what "write" grants', TEST, async () => {
    try {
      const authProvider = new ClientCredentialsProvider({
        clientId: 'writer', clientSecret: 'writer-secret', scope: 'read write',
        expectedIssuer: as.issuer });
      const client = new Client({ name: 'oauth-e2e', version: '1' });
      await withTimeout(client.connect(new StreamableHTTPClientTransport(mcpd.url, { authProvider })),
                        20_000, 'connect as writer');
      const r = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
      assert.match(JSON.stringify(r), /5/);
      await client.close();
    } catch (err) {
      failures++;
      throw err;
    }
  });

  test('refusals: missing, malformed, other audience, expired, forged, too few scopes', TEST,
       async () => {
    try {
      const md = `resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', resource)}"`;
      await refused(undefined, 401, new RegExp(`^Bearer realm="mcpd", ${md.replace(/[.?/]/g, '\\$&')}`));
      await refused('Token abc', 400, /error="invalid_request"/);
      await refused('Bearer a b', 400, /error="invalid_request"/);
      const other = await token('reader', 'reader-secret', 'read', resource.replace('/mcp', '/other'));
      await refused(`Bearer ${other}`, 401, /error="invalid_token"/);
      ttl = 1;
      const short = await token('reader', 'reader-secret', 'read');
      ttl = 300;
      await sleep(1100); // exp passes; the leeway (60 s default) is lowered below
      await reload(baseIni.replace('[auth]\n', '[auth]\nleeway = 0\n'), 3);
      await refused(`Bearer ${short}`, 401, /error="invalid_token"/);
      const good = await token('reader', 'reader-secret', 'read');
      const [h, p] = good.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url'));
      payload.scope = 'read write';
      const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${good.split('.')[2]}`;
      await refused(`Bearer ${forged}`, 401, /error="invalid_token"/);
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
      await refused(`Bearer ${none}`, 401, /error="invalid_token"/);
      // Too few scopes: 403 naming the one needed.
      const init = await post(`Bearer ${good}`);
      assert.equal(init.status, 200);
      const sid = init.headers.get('mcp-session-id');
      await init.text();
      const call = await post(`Bearer ${good}`, { jsonrpc: '2.0', id: 2, method: 'tools/call',
                                                 params: { name: 'add', arguments: { a: 1, b: 2 } } }, sid);
      await call.text();
      assert.equal(call.status, 403);
      assert.match(call.headers.get('www-authenticate'), /error="insufficient_scope", .*scope="write"/);
    } catch (err) {
      failures++;
      throw err;
    }
  });

  test('a static token works until a SIGHUP removes it', TEST, async () => {
    try {
      let r = await post(`Bearer ${STATIC_TOKEN}`);
      await r.text();
      assert.equal(r.status, 401, 'generation 3 has no [tokens]');
      const hash = createHash('sha256').update(STATIC_TOKEN).digest('hex');
      await reload(`${baseIni}\n[tokens]\nci = sha256:${hash} read\n`, 4);
      r = await post(`Bearer ${STATIC_TOKEN}`);
      await r.text();
      assert.equal(r.status, 200);
      await reload(baseIni, 5);
      await refused(`Bearer ${STATIC_TOKEN}`, 401, /error="invalid_token"/);
    } catch (err) {
      failures++;
      throw err;
    }
  });

  test('mcpd stops cleanly', TEST, async () => {
    const { code, signal } = await mcpd.stop();
    assert.equal(signal, null);
    assert.equal(code, 0, 'exit code 0 (under ASan: no leaks)');
  });
});
