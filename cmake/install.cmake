# Every install rule of the project, in one place (`cmake --install` and the .deb of
# cmake/package.cmake use the same rules). Two components:
#   mcpd      the server, its helper, the bundled plugins, the docs, the example config,
#             man pages 5 and 8
#   mcpd-dev  the plugin SDK: headers, mcpd-plugin.pc, the CMake package, the linker version
#             script, the example plugins' sources, man page 3
# Destinations are relative to the prefix (never absolute), so `cmake --install --prefix` and
# DESTDIR put everything where they are told. Included at the end of the top-level
# CMakeLists.txt, after every target exists.

set(MCPD_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/mcpd)
set(MCPD_CMAKE_PACKAGE_DIR ${MCPD_DATA_RELDIR}/cmake/mcpd-plugin)
set(MCPD_PC_INSTALL_DIR ${MCPD_DATA_RELDIR}/pkgconfig)

# --- mcpd: the server ---
install(TARGETS mcpd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT mcpd)
# `mcpd approve|reject|revise` runs it from libexec/mcpd (core/cli.c).
install(TARGETS mcpd-approval RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/mcpd COMPONENT mcpd)
# The bundled plugins; plugins/conformance is a test fixture and never installed.
install(TARGETS echo spec-create spec-validate task-list spec-status spec-approval spec-workflow
                spec-change
        LIBRARY DESTINATION ${MCPD_PLUGIN_INSTALL_RELDIR} COMPONENT mcpd)
# mcpd reads no config file unless told (--config): the example is documentation.
install(FILES README.md config/mcp.example.ini DESTINATION ${MCPD_DOC_DIR} COMPONENT mcpd)
# docs/ stays docs/ beside README.md, so the links between them still work.
install(DIRECTORY docs/ DESTINATION ${MCPD_DOC_DIR}/docs COMPONENT mcpd
        FILES_MATCHING PATTERN "*.md" PATTERN "man" EXCLUDE)

# Man pages: the target mcpd_man (docs/man) renders them into ${CMAKE_BINARY_DIR}/man. Installed
# when that target exists, which is known only once the whole tree is read: hence the deferred
# call. A tree without it (or without its tool) installs everything else.
function(mcpd_install_man)
  if(TARGET mcpd_man)
    install(FILES ${CMAKE_BINARY_DIR}/man/mcpd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
            COMPONENT mcpd)
    install(FILES ${CMAKE_BINARY_DIR}/man/mcp.ini.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5
            COMPONENT mcpd)
    install(FILES ${CMAKE_BINARY_DIR}/man/mcpd-plugin.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3
            COMPONENT mcpd-dev)
  endif()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL mcpd_install_man)

# --- mcpd-dev: the plugin SDK ---
install(DIRECTORY sdk/include/mcpd DESTINATION ${MCPD_INCLUDE_RELDIR} COMPONENT mcpd-dev
        FILES_MATCHING PATTERN "*.h")
install(FILES ${MCPD_PLUGIN_VERSION_SCRIPT} DESTINATION ${MCPD_DATA_RELDIR}/mcpd
        COMPONENT mcpd-dev)
# The examples as their authors ship them (sources, Makefile, CMakeLists.txt), not what a
# build left behind in their folders.
install(DIRECTORY sdk/examples/ DESTINATION ${MCPD_DOC_DIR}/examples COMPONENT mcpd-dev
        PATTERN "test-out-of-tree.sh" EXCLUDE PATTERN "*.so" EXCLUDE PATTERN "*.o" EXCLUDE
        PATTERN "build" EXCLUDE)

# pkg-config: the prefix is ${pcfiledir} plus the way back up from where the .pc is installed.
file(RELATIVE_PATH MCPD_PC_TO_PREFIX "/p/${MCPD_PC_INSTALL_DIR}" "/p")
string(REGEX REPLACE "/$" "" MCPD_PC_TO_PREFIX "${MCPD_PC_TO_PREFIX}")
configure_file(sdk/mcpd-plugin.pc.in ${CMAKE_BINARY_DIR}/mcpd-plugin.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/mcpd-plugin.pc DESTINATION ${MCPD_PC_INSTALL_DIR}
        COMPONENT mcpd-dev)

# CMake package mcpd-plugin: the exported mcpd::plugin target, mcpd_add_plugin(), and a
# version file whose version is the ABI: SameMajorVersion, so find_package(mcpd-plugin 1.1)
# accepts an SDK of ABI 1.3 but not 2.0. ARCH_INDEPENDENT: the SDK is a header.
include(CMakePackageConfigHelpers)
install(TARGETS mcpd_sdk EXPORT mcpd-plugin-targets COMPONENT mcpd-dev)
install(EXPORT mcpd-plugin-targets NAMESPACE mcpd:: FILE mcpd-plugin-targets.cmake
        DESTINATION ${MCPD_CMAKE_PACKAGE_DIR} COMPONENT mcpd-dev)
configure_package_config_file(sdk/cmake/mcpd-plugin-config.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/mcpd-plugin-config.cmake
  INSTALL_DESTINATION ${MCPD_CMAKE_PACKAGE_DIR}
  PATH_VARS MCPD_INCLUDE_RELDIR MCPD_MAP_RELPATH MCPD_PLUGIN_INSTALL_RELDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/mcpd-plugin-config-version.cmake
  VERSION ${MCPD_ABI_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_BINARY_DIR}/cmake/mcpd-plugin-config.cmake
              ${CMAKE_BINARY_DIR}/cmake/mcpd-plugin-config-version.cmake
              sdk/cmake/mcpd-plugin-functions.cmake
        DESTINATION ${MCPD_CMAKE_PACKAGE_DIR} COMPONENT mcpd-dev)
