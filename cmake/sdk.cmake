# The plugin SDK as one target, used by the tree's own plugins and installed for third parties
# (cmake/install.cmake): include directory, hidden visibility, position-independent code and
# the link options that keep a plugin's symbols private. Included from the top-level
# CMakeLists.txt before any plugin is defined.

# The ABI version is the header's, read at configure time so it is written only there.
set(MCPD_SDK_HEADER ${CMAKE_SOURCE_DIR}/sdk/include/mcpd/plugin.h)
file(STRINGS ${MCPD_SDK_HEADER} _mcpd_abi_lines
     REGEX "^#[ \t]*define[ \t]+MCPD_ABI_(MAJOR|MINOR)[ \t]+[0-9]+")
foreach(_line IN LISTS _mcpd_abi_lines)
  string(REGEX MATCH "MCPD_ABI_(MAJOR|MINOR)[ \t]+([0-9]+)" _ "${_line}")
  set(MCPD_ABI_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
endforeach()
if(NOT DEFINED MCPD_ABI_MAJOR OR NOT DEFINED MCPD_ABI_MINOR)
  message(FATAL_ERROR "${MCPD_SDK_HEADER}: no numeric #define MCPD_ABI_MAJOR / MCPD_ABI_MINOR")
endif()
set(MCPD_ABI_VERSION ${MCPD_ABI_MAJOR}.${MCPD_ABI_MINOR})
set_property(DIRECTORY ${CMAKE_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${MCPD_SDK_HEADER})

# Install locations relative to the prefix (what the relocatable .pc and CMake package need),
# derived from GNUInstallDirs so an absolute CMAKE_INSTALL_LIBDIR etc. still works.
function(mcpd_relative_dir out full)
  file(RELATIVE_PATH rel "${CMAKE_INSTALL_PREFIX}" "${full}")
  set(${out} "${rel}" PARENT_SCOPE)
endfunction()
mcpd_relative_dir(MCPD_INCLUDE_RELDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
mcpd_relative_dir(MCPD_DATA_RELDIR "${CMAKE_INSTALL_FULL_DATADIR}")
mcpd_relative_dir(MCPD_PLUGIN_INSTALL_RELDIR "${CMAKE_INSTALL_FULL_LIBDIR}/mcpd/plugins")
set(MCPD_PLUGIN_INSTALL_DIR "${CMAKE_INSTALL_FULL_LIBDIR}/mcpd/plugins")
set(MCPD_MAP_RELPATH "${MCPD_DATA_RELDIR}/mcpd/mcpd-plugin.map")

# The version script: exports mcpd_plugin_entry_v1 only (sdk/mcpd-plugin.map says why).
set(MCPD_PLUGIN_VERSION_SCRIPT ${CMAKE_SOURCE_DIR}/sdk/mcpd-plugin.map)

add_library(mcpd_sdk INTERFACE)
add_library(mcpd::plugin ALIAS mcpd_sdk)
set_target_properties(mcpd_sdk PROPERTIES EXPORT_NAME plugin INTERFACE_POSITION_INDEPENDENT_CODE ON)
target_include_directories(mcpd_sdk INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/sdk/include> $<INSTALL_INTERFACE:${MCPD_INCLUDE_RELDIR}>)
target_compile_options(mcpd_sdk INTERFACE -fvisibility=hidden)
# Only what is linked as a shared object gets the link options (a test executable that
# includes the header keeps its own symbols). --exclude-libs: nothing from a static library is
# exported; the version script: nothing but the entry point is.
set(_mcpd_so "$<OR:$<STREQUAL:$<TARGET_PROPERTY:TYPE>,MODULE_LIBRARY>,$<STREQUAL:$<TARGET_PROPERTY:TYPE>,SHARED_LIBRARY>>")
target_link_options(mcpd_sdk INTERFACE
  "$<${_mcpd_so}:LINKER:--exclude-libs=ALL>"
  "$<${_mcpd_so}:LINKER:--version-script=$<BUILD_INTERFACE:${MCPD_PLUGIN_VERSION_SCRIPT}>$<INSTALL_INTERFACE:$<INSTALL_PREFIX>/${MCPD_MAP_RELPATH}>>")

# mcpd_add_plugin(): the same function the installed CMake package offers.
include(${CMAKE_SOURCE_DIR}/sdk/cmake/mcpd-plugin-functions.cmake)
