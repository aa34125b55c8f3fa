/* The hostile-input catalogue, part 4: the modern era's request metadata headers (2026-07-28;
 * SEP-2243) over HTTP, against a server that loads the conformance fixtures. Rows have the shape
 * of rows_http.h (struct http_row, after it). */
#ifndef MCPD_HOSTILE_ROWS_MODERN_H
#define MCPD_HOSTILE_ROWS_MODERN_H

#define ACC "Accept: application/json, text/event-stream\r\n"
#define CT  "Content-Type: application/json\r\n"
#define PV  "MCP-Protocol-Version: 2025-11-25\r\n"
#define MPV "MCP-Protocol-Version: 2026-07-28\r\n"
#define MMETA                                                                                      \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"
#define MLIST "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\",\"params\":{" MMETA "}}"
#define MCALL(args)                                                                                \
    "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{" MMETA                   \
    ",\"name\":\"test_header_params\",\"arguments\":" args "}}"
#define MCALL_H MPV "Mcp-Method: tools/call\r\n"
#define MNAME   "Mcp-Name: test_header_params\r\n"
#define MREGION "Mcp-Param-Region: eu\r\n"

/* The modern era's request metadata headers (2026-07-28; SEP-2243), against a server that loads
 * the conformance fixtures: test_header_params mirrors region (string), priority (integer),
 * dryRun (boolean) and target.tenant into Mcp-Param-* headers. Every mismatch is 400 with a
 * JSON-RPC -32020 body. */
static const struct http_row MODERN_ROWS[] = {
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MPV "Mcp-Method: tools/list\r\n", MLIST, 200, 0},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MPV "mcp-method:  tools/list \r\n", MLIST, 200, 0},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MPV, MLIST, 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MPV "Mcp-Method: prompts/list\r\n", MLIST, 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MPV "Mcp-Method: TOOLS/LIST\r\n", MLIST, 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MPV "Mcp-Method: tools/list\x01\r\n", MLIST, 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT "Mcp-Method: tools/list\r\n", MLIST, 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT PV "Mcp-Method: tools/list\r\n", MLIST, 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT "MCP-Protocol-Version: 2027-01-01\r\nMcp-Method: tools/list\r\n", MLIST, 400, -32020},
    /* Legacy session headers are ignored on modern requests. */
    {"modern", "POST", "/mcp", SID_FORGED, ACC CT MPV "Mcp-Method: tools/list\r\n", MLIST, 200, 0},
    {"modern", "POST", "/mcp", SID_DELETED, ACC CT MPV "Mcp-Method: tools/list\r\n", MLIST, 200, 0},
    {"modern", "POST", "/mcp", SID_MALFORMED, ACC CT MPV "Mcp-Method: tools/list\r\n", MLIST, 200,
     0},
    /* Mcp-Name, plain or =?base64?...?=. */
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H, MCALL("{\"region\":\"eu\"}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MREGION, MCALL("{\"region\":\"eu\"}"), 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION, MCALL("{\"region\":\"eu\"}"),
     200, 0},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H "Mcp-Name: =?base64?dGVzdF9oZWFkZXJfcGFyYW1z?=\r\n" MREGION,
     MCALL("{\"region\":\"eu\"}"), 200, 0},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H "Mcp-Name: test_simple_text\r\n" MREGION,
     MCALL("{\"region\":\"eu\"}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H "Mcp-Name: =?base64?dGVzdF9oZWFkZXJfcGFyYW1z?\r\n" MREGION,
     MCALL("{\"region\":\"eu\"}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H "Mcp-Name: test_header_params\xc3\xa9\r\n" MREGION,
     MCALL("{\"region\":\"eu\"}"), 400, -32020},
    /* Mcp-Param-*: present when the body has a value, equal after decoding, never garbage. */
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME, MCALL("{\"region\":\"eu\"}"), 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME "Mcp-Param-Region: us\r\n",
     MCALL("{\"region\":\"eu\"}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H MNAME "MCP-PARAM-REGION: =?base64?ZXU=?=\r\n", MCALL("{\"region\":\"eu\"}"),
     200, 0},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H MNAME "Mcp-Param-Region: =?base64?ZXU?=\r\n", MCALL("{\"region\":\"eu\"}"), 400,
     -32020},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H MNAME "Mcp-Param-Region: =?base64?Z!U=?=\r\n", MCALL("{\"region\":\"eu\"}"),
     400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME "Mcp-Param-Region: e\x7fu\r\n",
     MCALL("{\"region\":\"e\\u007fu\"}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE,
     ACC CT MCALL_H MNAME MREGION "Mcp-Param-Priority: 42.0\r\n",
     MCALL("{\"region\":\"eu\",\"priority\":42}"), 200, 0},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION "Mcp-Param-Priority: 43\r\n",
     MCALL("{\"region\":\"eu\",\"priority\":42}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION "Mcp-Param-Dry-Run: True\r\n",
     MCALL("{\"region\":\"eu\",\"dryRun\":true}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION,
     MCALL("{\"region\":\"eu\",\"target\":{\"tenant\":\"acme\"}}"), 400, -32020},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION "Mcp-Param-Tenant: acme\r\n",
     MCALL("{\"region\":\"eu\",\"target\":{\"tenant\":\"acme\"}}"), 200, 0},
    /* Absent or null: no header expected; one sent anyway does not match the body. */
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION,
     MCALL("{\"region\":\"eu\",\"priority\":null}"), 200, 0},
    {"modern", "POST", "/mcp", SID_NONE, ACC CT MCALL_H MNAME MREGION "Mcp-Param-Priority: 1\r\n",
     MCALL("{\"region\":\"eu\",\"priority\":null}"), 400, -32020},
};

#undef ACC
#undef CT
#undef PV
#undef MPV
#undef MMETA
#undef MLIST
#undef MCALL
#undef MCALL_H
#undef MNAME
#undef MREGION

#endif
