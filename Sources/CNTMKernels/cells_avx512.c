// The LSTM cell's element-wise passes for the avx512 path (see cells_body.inc).
#if defined(__x86_64__) || defined(_M_X64)
#include <stddef.h>
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#define CELL_NAME(x) ntm_##x##_avx512
#define VL 16
#include "cells_body.inc"
#pragma clang attribute pop
#endif
