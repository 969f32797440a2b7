# Debian package of anycast-sidecar: `cmake --build build && cd build && cpack -G DEB`.
# Included from the top-level CMakeLists.txt after the targets (the binary's install() rule is in
# sidecar/CMakeLists.txt). Everything installs under /usr; the unit is installed, not enabled.

install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/examples/
        DESTINATION share/doc/anycast-sidecar/examples)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/examples/anycast-exabgp.service
        DESTINATION lib/systemd/system)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME anycast-sidecar)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "anycast-sidecar maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "health-check sidecar for anycast DNS resolvers announced by ExaBGP")
set(CPACK_PACKAGE_DESCRIPTION
    "Runs as ExaBGP's process child: probes the local resolver with real DNS queries, announces or withdraws the anycast routes, always reads ExaBGP's acknowledgements, and writes a status file and Prometheus metrics naming the cause of every failure.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # RelWithDebInfo builds carry ~30 MB of debug info
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps (dpkg-dev) computes the library dependencies; c-ares is named for the reader.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc-ares2 (>= 1.18)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "exabgp")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "unbound | bind9, prometheus-node-exporter")
include(CPack)
