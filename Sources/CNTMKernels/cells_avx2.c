// The LSTM cell's element-wise passes for the avx2 path (see cells_body.inc).
#if defined(__x86_64__) || defined(_M_X64)
#include <stddef.h>
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define CELL_NAME(x) ntm_##x##_avx2
#define VL 8
#include "cells_body.inc"
#pragma clang attribute pop
#endif
