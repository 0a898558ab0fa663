# Installation of the SAS libraries, headers and CMake package.
#
# A downstream project does
#   find_package(SAS REQUIRED CONFIG)
#   target_link_libraries(app PRIVATE SAS::MLIRSASPipelines)
# and gets the dialect, passes, pipelines and the MLIR/LLVM include paths.

include(CMakePackageConfigHelpers)

set(SAS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/sas" CACHE STRING
    "Where to install the SAS CMake package")

# Installs library `name` into the SASTargets export set and gives it the
# include directory of the install tree.
function(sas_install_library name)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${SAS_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${SAS_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS ${name} EXPORT SASTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()

function(sas_install_package)
  install(DIRECTORY ${SAS_SOURCE_DIR}/include/sas ${SAS_SOURCE_DIR}/include/sas-c
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
  install(DIRECTORY ${SAS_BINARY_DIR}/include/sas
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
    FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
  install(EXPORT SASTargets NAMESPACE SAS::
    DESTINATION ${SAS_INSTALL_CMAKEDIR})
  configure_package_config_file(
    ${SAS_SOURCE_DIR}/cmake/SASConfig.cmake.in
    ${SAS_BINARY_DIR}/cmake/SASConfig.cmake
    INSTALL_DESTINATION ${SAS_INSTALL_CMAKEDIR})
  write_basic_package_version_file(
    ${SAS_BINARY_DIR}/cmake/SASConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
  install(FILES ${SAS_BINARY_DIR}/cmake/SASConfig.cmake
                ${SAS_BINARY_DIR}/cmake/SASConfigVersion.cmake
    DESTINATION ${SAS_INSTALL_CMAKEDIR})
endfunction()
