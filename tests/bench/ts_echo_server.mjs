// The reference server for tests/bench/stdio_bench.mjs: the official TypeScript SDK v1
// (@modelcontextprotocol/sdk, McpServer + StdioServerTransport) serving one `echo` tool that is
// equivalent to mcpd's default plugins/echo/echo.c:
//   input   {text: string (at most 65536 characters)}, required, nothing else allowed
//   output  structuredContent {prefix: "", arguments: {text}} and the same JSON as one text block
//   outputSchema {prefix: string, arguments: object}, which the SDK checks on every call as mcpd does
//
// It uses the packages that `npm ci` installs in tests/e2e (no second package.json). The SDK and
// zod are loaded through createRequire from there, so both come from the same install and agree
// on one zod instance (the CommonJS build of the SDK is the same TypeScript compiled for require).
//
//   MCPD_E2E_DIR   folder holding node_modules (default: ../e2e beside this file)
//
// Run it with the Node 22 of that install:
//   tests/e2e/node_modules/node/bin/node tests/bench/ts_echo_server.mjs
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const e2eDir = path.resolve(process.env.MCPD_E2E_DIR || path.join(here, '..', 'e2e'));
const require = createRequire(path.join(e2eDir, 'package.json'));

let McpServer, StdioServerTransport, z;
try {
  ({ McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js'));
  ({ StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js'));
  ({ z } = require('zod'));
} catch (e) {
  process.stderr.write(
    `ts_echo_server: cannot load @modelcontextprotocol/sdk / zod from ${e2eDir}/node_modules ` +
      `(${e.message}). Run \`npm ci\` in ${e2eDir}.\n`);
  process.exit(2);
}

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

await server.connect(new StdioServerTransport());
// Like mcpd: end of input means the client is gone.
process.stdin.on('end', () => {
  server.close().finally(() => process.exit(0));
});
