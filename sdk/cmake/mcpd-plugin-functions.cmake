# mcpd_add_plugin(<name> SOURCES <src>... [LIBS <lib>...] [OUTPUT_DIR <dir>])
#
# Builds a plugin: a MODULE library <name>.so (no "lib" prefix, as mcp.ini names it), linked
# to mcpd::plugin (the SDK header, hidden visibility, and the version script that exports only
# mcpd_plugin_entry_v1) and to LIBS, privately. OUTPUT_DIR defaults to ${MCPD_PLUGIN_OUTPUT_DIR}
# when that variable is set. The same function builds mcpd's own plugins (the top-level
# CMakeLists.txt includes this file) and third-party ones (the installed CMake package).
function(mcpd_add_plugin name)
  cmake_parse_arguments(P "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  if(P_UNPARSED_ARGUMENTS OR NOT P_SOURCES)
    message(FATAL_ERROR "mcpd_add_plugin(${name}): usage: mcpd_add_plugin(NAME SOURCES src... "
                        "[LIBS lib...] [OUTPUT_DIR dir]); got: ${ARGN}")
  endif()
  add_library(${name} MODULE ${P_SOURCES})
  target_link_libraries(${name} PRIVATE mcpd::plugin ${P_LIBS})
  set_target_properties(${name} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
                                           CXX_VISIBILITY_PRESET hidden)
  if(NOT P_OUTPUT_DIR AND MCPD_PLUGIN_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${MCPD_PLUGIN_OUTPUT_DIR})
  endif()
  if(P_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
  endif()
  # Relink when the version script changes (a link option alone is not a dependency).
  if(MCPD_PLUGIN_VERSION_SCRIPT)
    set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${MCPD_PLUGIN_VERSION_SCRIPT})
  endif()
endfunction()
