#pragma once
// The Parley version, from CMake's project(VERSION).
namespace parley::agent {
inline constexpr const char* kVersion = PARLEY_VERSION;
}
