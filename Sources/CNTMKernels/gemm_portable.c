// The matrix product for any CPU: one lane at a time. On an x86-64 processor without FMA instructions
// every multiply-add is a call to the C library's `fmaf`, which IEEE 754 fixes to the same correctly
// rounded result as the vector paths': slow, but the same bits.
#include <stddef.h>

#define GEMM_NAME ntm_gemm_portable
#define VL 1
#define MR 1
#define NV 1
#define NVW 1
#define PACK_K 0
#define MASKED_TAIL 0
#include "gemm_body.inc"
