// The matrix product for x86-64 processors with AVX-512: 16 lanes, masked loads for the last columns.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <stddef.h>

#pragma clang attribute push(__attribute__((target("avx512f,fma"))), apply_to = function)

#define GEMM_NAME ntm_gemm_avx512
#define VL 16
#define MR 8
#define NV 2
#define NVW 8
#define PACK_K 0
#define MASKED_TAIL 1
#define TAIL_MASK(count) ((__mmask16)((1u << (count)) - 1u))
#define TAIL_LOAD(p, count) ((vf)_mm512_maskz_loadu_ps(TAIL_MASK(count), (p)))
#define TAIL_STORE(p, v, count) _mm512_mask_storeu_ps((p), TAIL_MASK(count), (__m512)(v))
#include "gemm_body.inc"

#pragma clang attribute pop
#endif
