# Runs tests/bench/stdio_bench.mjs with the Node 22 that `npm ci` installs into tests/e2e (the same
# node and the same check as tests/e2e/run_node_test.cmake). Used by ctest as
#   cmake -DE2E_DIR=<tests/e2e> -DSCRIPT=<stdio_bench.mjs> -P run_bench.cmake
# Settings come from the environment (MCPD_BIN, BENCH_N, ...). A missing node_modules is a
# FAILURE with instructions, never a silent skip.
if(NOT E2E_DIR OR NOT SCRIPT)
  message(FATAL_ERROR "usage: cmake -DE2E_DIR=dir -DSCRIPT=file -P run_bench.cmake")
endif()

set(node "${E2E_DIR}/node_modules/node/bin/node")
set(sdk "${E2E_DIR}/node_modules/@modelcontextprotocol/sdk/package.json")
if(NOT EXISTS "${node}" OR NOT EXISTS "${sdk}")
  message(FATAL_ERROR
    "bench: the pinned Node 22 and MCP SDK are not installed (${node} or ${sdk} missing).\n"
    "Run `npm ci` in ${E2E_DIR} (needs npm and network access once), then rerun ctest.")
endif()

execute_process(
  COMMAND "${node}" "${SCRIPT}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "bench: ${SCRIPT} failed (${rc})")
endif()
