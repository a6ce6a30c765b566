# Every third-party library Parley links, all from Debian 12 packages (scripts/setup installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(libwebsockets REQUIRED)
find_package(date REQUIRED)
find_package(doctest REQUIRED)

pkg_check_modules(UV REQUIRED IMPORTED_TARGET libuv)
pkg_check_modules(OPUS REQUIRED IMPORTED_TARGET opus)
pkg_check_modules(SRTP2 REQUIRED IMPORTED_TARGET libsrtp2)
pkg_check_modules(SOFIA REQUIRED IMPORTED_TARGET sofia-sip-ua)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(SOXR REQUIRED IMPORTED_TARGET soxr)
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)
pkg_check_modules(ESPEAK REQUIRED IMPORTED_TARGET espeak-ng)

# pocketsphinx's .pc names a nonexistent include dir (PLATFORM-NOTES.md), so build the target by hand.
pkg_check_modules(POCKETSPHINX_RAW REQUIRED pocketsphinx)
pkg_get_variable(POCKETSPHINX_MODELDIR pocketsphinx modeldir)
add_library(parley_pocketsphinx INTERFACE)
target_include_directories(parley_pocketsphinx SYSTEM INTERFACE
  /usr/include/pocketsphinx /usr/include/x86_64-linux-gnu/sphinxbase /usr/include/sphinxbase)
target_link_libraries(parley_pocketsphinx INTERFACE ${POCKETSPHINX_RAW_LIBRARIES})
add_library(Parley::pocketsphinx ALIAS parley_pocketsphinx)

# flite ships no .pc file.
add_library(parley_flite INTERFACE)
target_link_libraries(parley_flite INTERFACE flite_cmu_us_slt flite_cmu_us_kal flite_cmu_us_awb
  flite_cmu_us_rms flite_usenglish flite_cmulex flite m)
add_library(Parley::flite ALIAS parley_flite)
