# Installation layout and Debian packages: `cmake --install` and `cpack -G DEB`.
#
# One component, and so one .deb, per role:
#   collector -> tiendo-collector: tiendo-collector and tiendo-sim, tiendo-collector(8), its
#                systemd unit and bash completion, /etc/tiendo/collector.ini (conffile)
#   agent     -> tiendo-agent: tiendo-agent, tiendo-agent(8), tiendo-status(5), its systemd
#                unit and bash completion, /etc/tiendo/agent.ini (conffile)
#   cli       -> tiendo-cli: tiendo, tiendo(1), its bash completion
# A full `cmake --install` puts all of it under the prefix, but the example configurations go
# only to share/doc/tiendo/examples: /etc/tiendo is for the packages. The units name
# /usr/bin and /etc/tiendo, where the packages put things. The maintainer scripts create the
# system users and state directories; they enable and start nothing (packaging/deb/).
include(GNUInstallDirs)

set(TD_PKG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TD_MAN_OUT ${CMAKE_BINARY_DIR}/packaging/man)
set(TD_COMPLETIONS_DIR ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
set(TD_UNIT_DIR lib/systemd/system)

# Man pages are written by hand in docs/man and installed compressed, as Debian does
# (gzip -n: no name or time stamp inside, so the same page gives the same bytes).
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(TD_MAN_PAGES tiendo.1 tiendo-agent.8 tiendo-collector.8 tiendo-status.5)
set(TD_MAN_GZ)
foreach(page IN LISTS TD_MAN_PAGES)
  add_custom_command(
    OUTPUT ${TD_MAN_OUT}/${page}.gz
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/docs/man/${page} ${TD_MAN_OUT}/${page}
    COMMAND ${GZIP_EXECUTABLE} -9nf ${TD_MAN_OUT}/${page}
    DEPENDS ${CMAKE_SOURCE_DIR}/docs/man/${page}
    COMMENT "gzip ${page}"
    VERBATIM)
  list(APPEND TD_MAN_GZ ${TD_MAN_OUT}/${page}.gz)
endforeach()
add_custom_target(tiendo-man ALL DEPENDS ${TD_MAN_GZ})

# tiendo-collector
# The dashboard the collector's HTTP listener serves (run --web defaults to this directory).
install(FILES ${CMAKE_SOURCE_DIR}/web/index.html ${CMAKE_SOURCE_DIR}/web/app.js
  ${CMAKE_SOURCE_DIR}/web/style.css DESTINATION ${CMAKE_INSTALL_DATADIR}/tiendo/web
  COMPONENT collector)
install(TARGETS tiendo-collector RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT collector)
if(TARGET tiendo-sim)
  install(TARGETS tiendo-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT collector)
endif()
install(FILES ${TD_MAN_OUT}/tiendo-collector.8.gz
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT collector)
install(FILES ${TD_PKG_DIR}/systemd/tiendo-collector.service
  DESTINATION ${TD_UNIT_DIR} COMPONENT collector)
install(FILES ${TD_PKG_DIR}/bash-completion/tiendo-collector
  DESTINATION ${TD_COMPLETIONS_DIR} COMPONENT collector)
install(FILES ${CMAKE_SOURCE_DIR}/examples/collector.ini
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT collector)
install(FILES ${CMAKE_SOURCE_DIR}/examples/collector.ini
  DESTINATION /etc/tiendo COMPONENT collector EXCLUDE_FROM_ALL)

# tiendo-agent
install(TARGETS tiendo-agent RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT agent)
install(FILES ${TD_MAN_OUT}/tiendo-agent.8.gz
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man8 COMPONENT agent)
install(FILES ${TD_MAN_OUT}/tiendo-status.5.gz
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man5 COMPONENT agent)
install(FILES ${TD_PKG_DIR}/systemd/tiendo-agent.service
  DESTINATION ${TD_UNIT_DIR} COMPONENT agent)
install(FILES ${TD_PKG_DIR}/bash-completion/tiendo-agent
  DESTINATION ${TD_COMPLETIONS_DIR} COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/examples/agent.ini
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT agent)
install(FILES ${CMAKE_SOURCE_DIR}/examples/agent.ini
  DESTINATION /etc/tiendo COMPONENT agent EXCLUDE_FROM_ALL)

# tiendo-cli
install(TARGETS tiendo-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(FILES ${TD_MAN_OUT}/tiendo.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
install(FILES ${TD_PKG_DIR}/bash-completion/tiendo DESTINATION ${TD_COMPLETIONS_DIR} COMPONENT cli)

# CPack: `cpack -G DEB` in the build directory writes the three packages.
set(TIENDO_PACKAGE_MAINTAINER "tiendo maintainers <tiendo@localhost>"
  CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_NAME tiendo)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR tiendo)
set(CPACK_PACKAGE_CONTACT ${TIENDO_PACKAGE_MAINTAINER})
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL collector agent cli) # not the subdirectories' component-less rules
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${TIENDO_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Depends: the shared libraries the binaries link, found by dpkg-shlibdeps (dpkg-dev), plus
# what the maintainer scripts run.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_COLLECTOR_PACKAGE_NAME tiendo-collector)
set(CPACK_DEBIAN_COLLECTOR_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_COLLECTOR_PACKAGE_SUGGESTS "tiendo-cli, lmdb-utils")
set(CPACK_DEBIAN_COLLECTOR_DESCRIPTION "tiendo central server: agencies' reports and queries
tiendo-collector admits only enrolled CURVE keys, binds every report to the agency of the
key that sent it, stores every version in LMDB, acknowledges only after a durable commit, and
answers operators' queries for any date; it publishes live events and delivers alert rules.
Includes tiendo-sim: test registries, and fleets of virtual agents for load tests.")
set(CPACK_DEBIAN_COLLECTOR_PACKAGE_CONTROL_EXTRA ${TD_PKG_DIR}/deb/collector/postinst
  ${TD_PKG_DIR}/deb/collector/prerm ${TD_PKG_DIR}/deb/collector/postrm
  ${TD_PKG_DIR}/deb/collector/conffiles)

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME tiendo-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_AGENT_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_AGENT_DESCRIPTION "tiendo agent: delivers an agency's status to the collector
tiendo-agent reads the agency's status file, commits each report to a durable outbox (LMDB)
and sends it over ZeroMQ (CURVE) until the collector acknowledges it.")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA ${TD_PKG_DIR}/deb/agent/postinst
  ${TD_PKG_DIR}/deb/agent/prerm ${TD_PKG_DIR}/deb/agent/postrm ${TD_PKG_DIR}/deb/agent/conffiles)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME tiendo-cli)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_DESCRIPTION "tiendo operators' client: queries the collector
tiendo asks the collector for summaries, task lists, agents' liveness, reports, sections and
trends at any date, and prints them as text, JSON or CSV.")

include(CPack)
