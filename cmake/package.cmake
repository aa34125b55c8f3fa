# Debian packages from the install rules of cmake/install.cmake, one per component:
#
#   cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
#         -DMCPD_BUILD_TESTS=OFF
#   cmake --build build-deb && (cd build-deb && cpack -G DEB)
#
# gives mcpd_<version>_<arch>.deb (server, bundled plugins, docs, example config, man 5 and 8)
# and mcpd-dev_<version>_<arch>.deb (the plugin SDK and man 3). The package installs where the
# build was configured to (the binary has its plugin folder compiled in), so a Debian package
# wants -DCMAKE_INSTALL_PREFIX=/usr. Runtime dependencies come from dpkg-shlibdeps (needs
# dpkg-dev and file), so they always match what the binaries link.

set(MCPD_PACKAGE_MAINTAINER "mcpd maintainers <mcpd@localhost>"
    CACHE STRING "the Maintainer field of the .deb packages")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mcpd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${MCPD_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_ERROR_ON_ABSOLUTE_INSTALL_DESTINATION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL mcpd mcpd-dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_MCPD_PACKAGE_NAME mcpd)
set(CPACK_DEBIAN_MCPD_PACKAGE_SECTION net)
set(CPACK_COMPONENT_MCPD_DESCRIPTION
    "Model Context Protocol server for spec-driven development
mcpd serves MCP over stdio and Streamable HTTP(S) to AI coding agents. Its tools
(spec-create, spec-validate, task-list, ...) are plugins it loads from mcp.ini;
SIGHUP reloads them without dropping a call.")

set(CPACK_DEBIAN_MCPD-DEV_PACKAGE_NAME mcpd-dev)
set(CPACK_DEBIAN_MCPD-DEV_PACKAGE_SECTION devel)
# The SDK is one ABI with the server it came with.
set(CPACK_DEBIAN_MCPD-DEV_PACKAGE_DEPENDS "mcpd (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_MCPD-DEV_PACKAGE_SUGGESTS "pkg-config, cmake")
set(CPACK_COMPONENT_MCPD-DEV_DESCRIPTION
    "plugin SDK for mcpd
The header mcpd/plugin.h, the pkg-config module mcpd-plugin, the CMake package
mcpd-plugin (find_package), the linker version script that keeps a plugin's
symbols private, and example plugins to build out of tree.")

include(CPack)
