# Install rules: headers, the exported once::once target, and a package
# config with a version file, so that consumers can write
#   find_package(once 1.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE once::once)
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
