# cmake --install: headers, the shared libraries, a CMake package (find_package(almkit) ->
# almkit::almkit; COMPONENTS frontend -> almkit::frontend, the front end without libtorch) and
# pkg-config files (almkit, almkit_frontend).
include(CMakePackageConfigHelpers)
install(TARGETS almkit almkit_frontend EXPORT almkitTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/almkit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT almkitTargets NAMESPACE almkit::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/almkit)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/almkitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/almkitConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/almkit)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/almkitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/almkitConfig.cmake ${PROJECT_BINARY_DIR}/almkitConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/almkit)
configure_file(${PROJECT_SOURCE_DIR}/cmake/almkit.pc.in ${PROJECT_BINARY_DIR}/almkit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/almkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
configure_file(${PROJECT_SOURCE_DIR}/cmake/almkit_frontend.pc.in
  ${PROJECT_BINARY_DIR}/almkit_frontend.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/almkit_frontend.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
