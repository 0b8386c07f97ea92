// The LSTM cell's element-wise passes for the neon path (see cells_body.inc).
#if defined(__aarch64__) || defined(_M_ARM64)
#include <stddef.h>
#define CELL_NAME(x) ntm_##x##_neon
#define VL 4
#include "cells_body.inc"
#endif
