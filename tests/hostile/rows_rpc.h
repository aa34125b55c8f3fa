/* The hostile-input catalogue, part 1: JSON and JSON-RPC messages (each row is sent over stdio
 * and as the body of a POST on an initialized HTTP session).
 *
 * id:   the id the answer must carry, as JSON text ("null" for errors about a message whose id
 *       could not be read); NULL = the message must not be answered at all.
 * code: the JSON-RPC error code of the answer; 0 = a result.
 * Over HTTP a parse error or an invalid request (-32700, -32600) is answered with status 400, a
 * notification or a response with 202, everything else with 200 (derived in the runner). */
#ifndef MCPD_HOSTILE_ROWS_RPC_H
#define MCPD_HOSTILE_ROWS_RPC_H

#include <stddef.h>

struct rpc_row {
    const char *cls;
    const char *msg;
    size_t len; /* 0 = strlen(msg); set for messages with a NUL byte */
    const char *id;
    int code;
};

#define J(body) "{\"jsonrpc\":\"2.0\"," body "}"
/* A message with a NUL byte inside: its length comes from the literal. */
#define NUL_ROW(s) s, sizeof(s) - 1

static const struct rpc_row RPC_ROWS[] = {
    /* ---- malformed JSON: -32700, id null */
    {"json", "{", 0, "null", -32700},
    {"json", "}", 0, "null", -32700},
    {"json", "[", 0, "null", -32700},
    {"json", "]", 0, "null", -32700},
    {"json", "{\"a\":}", 0, "null", -32700},
    {"json", "nul", 0, "null", -32700},
    {"json", "tru", 0, "null", -32700},
    {"json", "\"unterminated", 0, "null", -32700},
    {"json", "\xff", 0, "null", -32700},
    {"json", NUL_ROW("\xfe\xff\x00{"), "null", -32700},
    {"json", J("\"id\":1,\"method\":\"ping\xc0\xaf\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"ping\xed\xa0\x80\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"\\ud800\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"\\udc00\\ud800\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"id\":2,\"method\":\"ping\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"ping\",\"params\":{\"a\":1,\"a\":2}"), 0, "null", -32700},
    {"json",
     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
     0, "null", -32700},
    {"json",
     J("\"id\":1,\"method\":\"ping\",\"params\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
       "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
       "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
       "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
       "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
       "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}"
       "}}}}}}}}}"
       "}}}}}}}"),
     0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"ping\"") " x", 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"ping\","), 0, "null", -32700},
    {"json", "/* c */ " J("\"id\":1,\"method\":\"ping\""), 0, "null", -32700},
    {"json", "{'jsonrpc':'2.0','id':1,'method':'ping'}", 0, "null", -32700},
    {"json", J("\"id\":NaN,\"method\":\"ping\""), 0, "null", -32700},
    {"json", J("\"id\":Infinity,\"method\":\"ping\""), 0, "null", -32700},
    {"json", J("\"id\":01,\"method\":\"ping\""), 0, "null", -32700},
    {"json", J("\"id\":0x1,\"method\":\"ping\""), 0, "null", -32700},
    {"json", J("\"id\":1e400,\"method\":\"ping\""), 0, "null", -32700},
    {"json", J("\"id\":99999999999999999999,\"method\":\"ping\""), 0, "null", -32700},
    {"json", "\xef\xbb\xbf" J("\"id\":1,\"method\":\"ping\""), 0, "null", -32700},
    {"json", NUL_ROW("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pi\0ng\"}"), "null", -32700},
    {"json", J("\"id\":1,\"method\":\"ping\t\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"\\x41\""), 0, "null", -32700},
    {"json", J("\"id\":1,\"method\":\"\\u00\""), 0, "null", -32700},
    /* Jansson refuses \u0000 inside strings: a NUL never reaches a C string of ours. */
    {"json",
     J("\"id\":1,\"method\":\"tools/"
       "call\",\"params\":{\"name\":\"spec-list\",\"arguments\":{\"projectPath\":\"a\\u0000b\"}}"),
     0, "null", -32700},

    /* ---- not a JSON-RPC 2.0 message: -32600 */
    {"jsonrpc", "1", 0, "null", -32600},
    {"jsonrpc", "\"ping\"", 0, "null", -32600},
    {"jsonrpc", "null", 0, "null", -32600},
    {"jsonrpc", "true", 0, "null", -32600},
    {"jsonrpc", "[]", 0, "null", -32600},
    {"jsonrpc", "[" J("\"id\":1,\"method\":\"ping\"") "]", 0, "null", -32600},
    {"jsonrpc", "{}", 0, "null", -32600},
    {"jsonrpc", J("\"id\":1.5,\"method\":\"ping\""), 0, "null", -32600},
    {"jsonrpc", J("\"id\":true,\"method\":\"ping\""), 0, "null", -32600},
    {"jsonrpc", J("\"id\":null,\"method\":\"ping\""), 0, "null", -32600},
    {"jsonrpc", J("\"id\":[1],\"method\":\"ping\""), 0, "null", -32600},
    {"jsonrpc", J("\"id\":{\"a\":1},\"method\":\"ping\""), 0, "null", -32600},
    {"jsonrpc", "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", 0, "1", -32600},
    {"jsonrpc", "{\"jsonrpc\":2,\"id\":1,\"method\":\"ping\"}", 0, "1", -32600},
    {"jsonrpc", "{\"id\":1,\"method\":\"ping\"}", 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"method\":5"), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"method\":\"\""), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"method\":null"), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"method\":\"ping\",\"params\":\"x\""), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"method\":\"ping\",\"params\":5"), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"method\":\"ping\",\"params\":null"), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1,\"result\":{},\"error\":{}"), 0, "1", -32600},
    {"jsonrpc", J("\"id\":1"), 0, "1", -32600},
    {"jsonrpc", J("\"id\":\"s\""), 0, "\"s\"", -32600},

    /* ---- valid messages the server must refuse or answer exactly */
    {"method", J("\"id\":1,\"method\":\"rpc.discover\""), 0, "1", -32601},
    {"method", J("\"id\":2,\"method\":\"no/such/method\""), 0, "2", -32601},
    {"method", J("\"id\":3,\"method\":\"tools/call/../list\""), 0, "3", -32601},
    {"method", J("\"id\":4,\"method\":\"TOOLS/LIST\""), 0, "4", -32601},
    {"method", J("\"id\":\"x\",\"method\":\"ping\""), 0, "\"x\"", 0},
    {"method", J("\"id\":\"\",\"method\":\"ping\""), 0, "\"\"", 0},
    {"method", J("\"id\":-9223372036854775808,\"method\":\"ping\""), 0, "-9223372036854775808", 0},
    {"method", J("\"id\":9223372036854775807,\"method\":\"ping\""), 0, "9223372036854775807", 0},
    {"method", J("\"id\":0,\"method\":\"ping\",\"params\":{}"), 0, "0", 0},
    {"params", J("\"id\":5,\"method\":\"ping\",\"params\":[]"), 0, "5", -32602},
    {"params", J("\"id\":10,\"method\":\"tools/call\""), 0, "10", -32602},
    {"params", J("\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":5}"), 0, "11", -32602},
    {"params", J("\"id\":12,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}"), 0, "12",
     -32602},
    {"params", J("\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":\"../echo\"}"), 0, "13",
     -32602},
    {"params", J("\"id\":14,\"method\":\"initialize\",\"params\":{}"), 0, "14", -32602},
    {"params", J("\"id\":15,\"method\":\"prompts/get\",\"params\":{\"name\":\"nope\"}"), 0, "15",
     -32602},
    {"params", J("\"id\":16,\"method\":\"tools/list\",\"params\":{\"cursor\":\"garbage\"}"), 0,
     "16", -32602},
    {"params", J("\"id\":17,\"method\":\"tools/list\",\"params\":{\"cursor\":5}"), 0, "17", -32602},
    {"params", J("\"id\":18,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}"), 0,
     "18", -32602},
    {"params", J("\"id\":19,\"method\":\"completion/complete\",\"params\":{}"), 0, "19", -32602},
    {"params", J("\"id\":20,\"method\":\"resources/read\",\"params\":{}"), 0, "20", -32602},
    {"params",
     J("\"id\":21,\"method\":\"resources/read\",\"params\":{\"uri\":\"file:///etc/passwd\"}"), 0,
     "21", -32002},
    {"params",
     J("\"id\":22,\"method\":\"resources/read\",\"params\":{\"uri\":\"spec://../../etc/passwd\"}"),
     0, "22", -32002},
    {"params", J("\"id\":23,\"method\":\"resources/subscribe\",\"params\":{\"uri\":\"x\"}"), 0,
     "23", -32002},
    /* Schema-checked tool arguments: an isError result, never a JSON-RPC error. */
    {"arguments",
     J("\"id\":30,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":[]}"), 0,
     "30", 0},
    {"arguments",
     J("\"id\":31,\"method\":\"tools/"
       "call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":5}}"),
     0, "31", 0},
    {"arguments",
     J("\"id\":32,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{}}"), 0,
     "32", 0},

    /* ---- never answered: notifications and responses to requests we never sent */
    {"notification", J("\"method\":\"notifications/nope\""), 0, NULL, 0},
    {"notification", J("\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":12345}"),
     0, NULL, 0},
    {"notification", J("\"method\":\"notifications/cancelled\",\"params\":{}"), 0, NULL, 0},
    {"notification", J("\"method\":\"notifications/progress\",\"params\":{}"), 0, NULL, 0},
    {"notification", J("\"method\":\"notifications/initialized\""), 0, NULL, 0},
    {"notification", J("\"method\":\"ping\""), 0, NULL, 0},
    {"notification", J("\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}"), 0, NULL, 0},
    {"notification", J("\"id\":77,\"result\":{}"), 0, NULL, 0},
    {"notification", J("\"id\":78,\"error\":{\"code\":1,\"message\":\"x\"}"), 0, NULL, 0},
    {"notification", J("\"id\":\"never-sent\",\"result\":{\"action\":\"accept\"}"), 0, NULL, 0},
};

#undef J
#undef NUL_ROW

#endif
