// Symbol visibility for the almkit shared library: only what carries ALMKIT_API is exported.
#pragma once

#if defined(_WIN32)
#if defined(ALMKIT_BUILDING_LIBRARY)
#define ALMKIT_API __declspec(dllexport)
#else
#define ALMKIT_API __declspec(dllimport)
#endif
#else
#define ALMKIT_API __attribute__((visibility("default")))
#endif
