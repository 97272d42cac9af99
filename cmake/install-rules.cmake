# Install rules: headers, the exported once::once target, and a package
# config with a version file, so that consumers can write
#   find_package(once 1.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE once::once)
# and a pkg-config file, once.pc (Meson's dependency('once'), Makefiles), and
# the gdb pretty-printers.
include(CMakePackageConfigHelpers)

# A header-only package is the same on every architecture: it goes under
# share/, and its version file does not check the consumer's pointer size.
set(ONCE_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/once"
    CACHE STRING "Where to install once's CMake package files")
mark_as_advanced(ONCE_INSTALL_CMAKEDIR)

install(TARGETS once EXPORT onceTargets FILE_SET HEADERS)

install(EXPORT onceTargets NAMESPACE once:: DESTINATION "${ONCE_INSTALL_CMAKEDIR}")

write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/onceConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/onceConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/onceConfig.cmake"
  INSTALL_DESTINATION "${ONCE_INSTALL_CMAKEDIR}")

install(FILES "${PROJECT_BINARY_DIR}/onceConfig.cmake" "${PROJECT_BINARY_DIR}/onceConfigVersion.cmake"
        DESTINATION "${ONCE_INSTALL_CMAKEDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/once")

# ---- pkg-config ---------------------------------------------------------------
# Architecture-independent, like the CMake package: share/pkgconfig. Paths
# inside the prefix are written relative to the .pc file (${pcfiledir}), so an
# installed tree still works after it is moved (cmake --install --prefix, a
# DESTDIR staging, a relocated SDK); an absolute CMAKE_INSTALL_INCLUDEDIR is
# written as given. No -std flag in Cflags: the consumer picks its standard,
# which must be C++20 or later (the description says so).
set(ONCE_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
    CACHE STRING "Where to install once.pc (relative to the prefix, or absolute)")
mark_as_advanced(ONCE_INSTALL_PKGCONFIGDIR)
if(IS_ABSOLUTE "${ONCE_INSTALL_PKGCONFIGDIR}")
  set(once_pc_prefix "${CMAKE_INSTALL_PREFIX}")
else()
  # ../.. for share/pkgconfig: from the .pc file's directory back to the prefix.
  file(RELATIVE_PATH once_pc_up "/prefix/${ONCE_INSTALL_PKGCONFIGDIR}" "/prefix")
  string(REGEX REPLACE "/$" "" once_pc_up "${once_pc_up}")
  set(once_pc_prefix "\${pcfiledir}/${once_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(once_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(once_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/once.pc.in" "${PROJECT_BINARY_DIR}/once.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/once.pc" DESTINATION "${ONCE_INSTALL_PKGCONFIGDIR}")

# ---- gdb pretty-printers ------------------------------------------------------
# `source <prefix>/share/gdb/once_printers.py` in gdb. Not auto-loaded: gdb
# auto-loads scripts per object file, and a header-only library has none of
# its own (the types live in the user's program).
install(FILES "${PROJECT_SOURCE_DIR}/share/gdb/once_printers.py" DESTINATION "${CMAKE_INSTALL_DATADIR}/gdb")
