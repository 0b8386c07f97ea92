// The matrix product for arm64, whose NEON unit always has fused multiply-adds: 4 lanes; the last
// columns go through scalar fused multiply-adds.
#if defined(__aarch64__) || defined(_M_ARM64)
#include <stddef.h>

#define GEMM_NAME ntm_gemm_neon
#define VL 4
#define MR 4
#define NV 4
#define NVW 8
#define PACK_K 0
#define MASKED_TAIL 0
#include "gemm_body.inc"
#endif
