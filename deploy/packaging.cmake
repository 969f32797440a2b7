# Debian package of anycast-sidecar: `cmake --build build && cd build && cpack -G DEB`.
# Included from the top-level CMakeLists.txt after the targets (the binary's install() rule is in
# sidecar/cli/CMakeLists.txt). Everything installs under /usr; the unit is installed, not enabled.
# tests/e2e/test_package.py builds it, runs lintian on it, installs and removes it with dpkg,
# renders the man page and verifies the unit.

# The Maintainer field: lintian rejects root@ and localhost addresses. Set it for real packages.
set(ACS_DEB_MAINTAINER "anycast-sidecar maintainers <anycast-sidecar@example.org>"
    CACHE STRING "Maintainer of the Debian package (Name <address>)")

# Debian's default hardening (dpkg-buildflags: _FORTIFY_SOURCE=2, -z relro -z now), which
# lintian checks for. Not under the sanitizers: ASan intercepts the same functions.
if(NOT SANITIZE)
  get_property(acs_libraries GLOBAL PROPERTY ACS_LIBRARIES)
  foreach(target ${acs_libraries} anycast-sidecar)
    target_compile_definitions(${target} PRIVATE _FORTIFY_SOURCE=2)
  endforeach()
  target_link_options(anycast-sidecar PRIVATE -Wl,-z,relro -Wl,-z,now)
endif()

install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/examples/
        DESTINATION share/doc/anycast-sidecar/examples
        PATTERN apt-hook EXCLUDE PATTERN install-node EXCLUDE)
# The documentation (deploy/docs: operating, upgrades, monitoring, design, ...), readable where
# the man page points.
install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/docs/ DESTINATION share/doc/anycast-sidecar/docs)
# The apt hook's script (apt-maintenance.conf calls it) and the install steps of
# docs/install.md, as one script an operator can read and run.
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/examples/apt-hook
                 ${CMAKE_CURRENT_LIST_DIR}/examples/install-node
        DESTINATION libexec/anycast-sidecar)
# The folders the daemon's user writes (why tmpfiles.d and not a postinst: in the file).
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/anycast-sidecar.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME anycast-sidecar.conf)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/examples/anycast-exabgp.service
        DESTINATION lib/systemd/system)
# JSON Schemas for editors and CI (the man page names this folder).
install(FILES ${CMAKE_CURRENT_LIST_DIR}/schema/config.schema.json
              ${CMAKE_CURRENT_LIST_DIR}/schema/status.schema.json
        DESTINATION share/anycast-sidecar/schema)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/completion/anycast-sidecar
        DESTINATION share/bash-completion/completions)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright DESTINATION share/doc/anycast-sidecar)

# Debian policy: man pages and changelogs compressed, with gzip -9n (no name, no time stamp: the
# same input gives the same package).
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${CMAKE_BINARY_DIR}/deb/changelog @ONLY)
foreach(pair "${CMAKE_CURRENT_LIST_DIR}/man/anycast-sidecar.8|anycast-sidecar.8.gz"
             "${CMAKE_BINARY_DIR}/deb/changelog|changelog.gz")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 src)
  list(GET pair 1 dst)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/deb/${dst}
                     COMMAND gzip -9nc ${src} > ${CMAKE_BINARY_DIR}/deb/${dst}
                     DEPENDS ${src} VERBATIM)
  list(APPEND ACS_DEB_GZ ${CMAKE_BINARY_DIR}/deb/${dst})
endforeach()
add_custom_target(deb_docs ALL DEPENDS ${ACS_DEB_GZ})
install(FILES ${CMAKE_BINARY_DIR}/deb/anycast-sidecar.8.gz DESTINATION share/man/man8)
install(FILES ${CMAKE_BINARY_DIR}/deb/changelog.gz DESTINATION share/doc/anycast-sidecar)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME anycast-sidecar)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${ACS_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "health-check sidecar for anycast DNS resolvers announced by ExaBGP")
# The extended description (cpack puts the summary above it), lines of at most 80 columns.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Runs as ExaBGP's process child: probes the local resolver (Unbound, BIND)
with real DNS queries, announces or withdraws the anycast routes, always
reads ExaBGP's acknowledgements, and writes a status file and Prometheus
metrics naming the cause of every failure.
.
Ships a systemd unit (installed, not enabled), example configurations,
Prometheus alert rules and JSON Schemas for the configuration and status.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # RelWithDebInfo builds carry ~30 MB of debug info
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) computes the library dependencies; c-ares is named for the reader.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc-ares2 (>= 1.18)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "exabgp")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "unbound | bind9, prometheus-node-exporter, bash-completion")
include(CPack)
