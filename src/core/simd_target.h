// A region of functions compiled for an instruction set the library is not built for (it is built
// without -march; run-time dispatch, core/simd_cap.h, decides whether they run), in GCC's and
// clang's spelling (clang builds the fuzz and sanitizer trees):
//   ALMKIT_TARGET_BEGIN("avx2,fma")  ...functions...  ALMKIT_TARGET_END()
#pragma once

#define ALMKIT_PRAGMA(text) _Pragma(#text)
#if defined(__clang__)
#define ALMKIT_TARGET_BEGIN(isa) ALMKIT_PRAGMA(clang attribute push(__attribute__((target(isa))), apply_to = function))
#define ALMKIT_TARGET_END() ALMKIT_PRAGMA(clang attribute pop)
#else
#define ALMKIT_TARGET_BEGIN(isa) ALMKIT_PRAGMA(GCC push_options) ALMKIT_PRAGMA(GCC target(isa))
#define ALMKIT_TARGET_END() ALMKIT_PRAGMA(GCC pop_options)
#endif
