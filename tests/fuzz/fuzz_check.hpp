#pragma once
// A failed property is a crash, so libFuzzer saves the input that broke it; the message says which
// promise of the code under test was broken.
#include <cstdio>
#include <cstdlib>

#define FUZZ_REQUIRE(cond, what)                                                            \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property violated: %s (%s)\n", __FILE__, __LINE__, what, \
                   #cond);                                                                  \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)
