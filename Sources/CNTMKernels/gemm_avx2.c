// The matrix product for x86-64 processors with AVX2 and FMA: 8 lanes, masked loads for the last columns.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <stddef.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define GEMM_NAME ntm_gemm_avx2
#define VL 8
#define MR 4
#define NV 2
#define NVW 6
#define PACK_K 256
#define MASKED_TAIL 1

static inline __attribute__((always_inline)) __m256i ntm_tail_mask8(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#define TAIL_LOAD(p, count) ((vf)_mm256_maskload_ps((p), ntm_tail_mask8(count)))
#define TAIL_STORE(p, v, count) _mm256_maskstore_ps((p), ntm_tail_mask8(count), (__m256)(v))
#include "gemm_body.inc"

#pragma clang attribute pop
#endif
