// The reference server for tests/bench/http_bench.mjs: the official TypeScript SDK v1
// (@modelcontextprotocol/sdk 1.32.2: McpServer + StreamableHTTPServerTransport) over node:http,
// stateful sessions (one transport and one McpServer per session, the SDK's documented pattern)
// with JSON responses (enableJsonResponse: true), serving one `echo` tool equivalent to mcpd's
// default plugins/echo/echo.c (the same tool as ts_echo_server.mjs, the stdio reference).
//
// Listens on 127.0.0.1, port BENCH_TS_PORT or any free port, and prints
// "listening on http://127.0.0.1:PORT/mcp" on stderr like mcpd. SIGTERM closes it.
//
//   MCPD_E2E_DIR   folder holding node_modules (default: ../e2e beside this file)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const e2eDir = path.resolve(process.env.MCPD_E2E_DIR || path.join(here, '..', 'e2e'));
const require = createRequire(path.join(e2eDir, 'package.json'));

let McpServer, StreamableHTTPServerTransport, isInitializeRequest, z;
try {
  ({ McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js'));
  ({ StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js'));
  ({ isInitializeRequest } = require('@modelcontextprotocol/sdk/types.js'));
  ({ z } = require('zod'));
} catch (e) {
  process.stderr.write(`ts_http_echo_server: cannot load @modelcontextprotocol/sdk / zod from ` +
                       `${e2eDir}/node_modules (${e.message}). Run \`npm ci\` in ${e2eDir}.\n`);
  process.exit(2);
}

function newServer() {
  const server = new McpServer({ name: 'ts-echo-reference', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description:
        'Returns its arguments unchanged, as structured content and as JSON text. ' +
        'Handy to check that a client and mcpd talk.',
      inputSchema: { text: z.string().max(65536).describe('What to echo') },
      outputSchema: { prefix: z.string(), arguments: z.object({}).passthrough() },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const structuredContent = { prefix: '', arguments: args };
      return {
        content: [{ type: 'text', text: JSON.stringify(structuredContent) }],
        structuredContent,
      };
    },
  );
  return server;
}

const transports = new Map(); // session id -> transport

function refuse(res, status, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const c of req) {
    size += c.length;
    if (size > 4 * 1024 * 1024) {
      throw new Error('body too large');
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const httpServer = http.createServer(async (req, res) => {
  try {
    if (new URL(req.url, 'http://x').pathname !== '/mcp') {
      return refuse(res, 404, 'Not Found');
    }
    const sid = req.headers['mcp-session-id'];
    if (req.method === 'POST') {
      let body;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return refuse(res, 400, 'Parse error');
      }
      let transport = sid ? transports.get(sid) : undefined;
      if (!transport) {
        if (sid || !isInitializeRequest(body)) {
          return refuse(res, sid ? 404 : 400, sid ? 'Session not found' : 'No session');
        }
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: true,
          onsessioninitialized: (id) => transports.set(id, transport),
        });
        transport.onclose = () => {
          if (transport.sessionId) {
            transports.delete(transport.sessionId);
          }
        };
        await newServer().connect(transport);
      }
      return await transport.handleRequest(req, res, body);
    }
    const transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      return refuse(res, sid ? 404 : 400, 'No such session');
    }
    return await transport.handleRequest(req, res);
  } catch (e) {
    if (!res.headersSent) {
      refuse(res, 500, String(e?.message ?? e));
    }
  }
});
httpServer.keepAliveTimeout = 60_000;

httpServer.listen(Number(process.env.BENCH_TS_PORT || 0), '127.0.0.1', () => {
  process.stderr.write(`listening on http://127.0.0.1:${httpServer.address().port}/mcp\n`);
});
process.on('SIGTERM', () => {
  for (const t of transports.values()) {
    t.close().catch(() => {});
  }
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
});
