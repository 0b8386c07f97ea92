// Which path the kernels take: a CPU check once, at the first call, overridable by `NTM_KERNELS`.
#include "ntm_kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define NTM_X86 1
#endif

typedef void (*ntm_gemm_fn)(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t,
                            const float *, ptrdiff_t, float *, ptrdiff_t, int);
typedef void (*ntm_lstm_forward_fn)(ptrdiff_t, ptrdiff_t, float *, const float *, const float *, float *, float *,
                                    float *);
typedef void (*ntm_lstm_backward_fn)(ptrdiff_t, ptrdiff_t, const float *, const float *, const float *,
                                     const float *, float *, float *);
typedef void (*ntm_gru_forward_fn)(ptrdiff_t, ptrdiff_t, float *, const float *, const float *, const float *,
                                   const float *, float *, float *);
typedef void (*ntm_gru_backward_fn)(ptrdiff_t, ptrdiff_t, const float *, const float *, const float *,
                                    const float *, float *, float *, float *);

/// Every kernel of one path.
typedef struct {
    ntm_gemm_fn gemm;
    ntm_lstm_forward_fn lstm_forward;
    ntm_lstm_backward_fn lstm_backward;
    ntm_gru_forward_fn gru_forward;
    ntm_gru_backward_fn gru_backward;
} ntm_kernel_table;

#define NTM_DECLARE_PATH(name)                                                                                     \
    void ntm_gemm_##name(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, const float *,       \
                         ptrdiff_t, float *, ptrdiff_t, int);                                                      \
    void ntm_lstm_forward_##name(ptrdiff_t, ptrdiff_t, float *, const float *, const float *, float *, float *,     \
                                 float *);                                                                         \
    void ntm_lstm_backward_##name(ptrdiff_t, ptrdiff_t, const float *, const float *, const float *,               \
                                  const float *, float *, float *);                                                \
    void ntm_gru_forward_##name(ptrdiff_t, ptrdiff_t, float *, const float *, const float *, const float *,        \
                                const float *, float *, float *);                                                  \
    void ntm_gru_backward_##name(ptrdiff_t, ptrdiff_t, const float *, const float *, const float *, const float *, \
                                 float *, float *, float *);                                                       \
    static const ntm_kernel_table ntm_table_##name = {ntm_gemm_##name, ntm_lstm_forward_##name,                    \
                                                      ntm_lstm_backward_##name, ntm_gru_forward_##name,            \
                                                      ntm_gru_backward_##name};

NTM_DECLARE_PATH(portable)
#ifdef NTM_X86
NTM_DECLARE_PATH(avx2)
NTM_DECLARE_PATH(avx512)
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
NTM_DECLARE_PATH(neon)
#endif

#ifdef NTM_X86
/// The register state the operating system saves on a context switch (XCR0): AVX needs SSE and AVX
/// state (bits 1, 2), AVX-512 also the opmask and upper-register state (bits 5, 6, 7).
static unsigned long long ntm_xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

static int ntm_x86_has(int path) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    const unsigned long long xcr0 = ntm_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (path == NTM_KERNEL_PATH_AVX2) return avx2;
    if (path == NTM_KERNEL_PATH_AVX512) return avx2 && avx512f && (xcr0 & 0xE6) == 0xE6;
    return 0;
}
#endif

int ntm_kernel_path_available(int path) {
    switch (path) {
    case NTM_KERNEL_PATH_PORTABLE: return 1;
#ifdef NTM_X86
    case NTM_KERNEL_PATH_AVX2:
    case NTM_KERNEL_PATH_AVX512: return ntm_x86_has(path);
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    case NTM_KERNEL_PATH_NEON: return 1;
#endif
    default: return 0;
    }
}

int ntm_kernel_path_best(void) {
    static const int order[] = {NTM_KERNEL_PATH_AVX512, NTM_KERNEL_PATH_AVX2, NTM_KERNEL_PATH_NEON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (ntm_kernel_path_available(order[i])) return order[i];
    return NTM_KERNEL_PATH_PORTABLE;
}

static const ntm_kernel_table *ntm_table_for(int path) {
    switch (path) {
#ifdef NTM_X86
    case NTM_KERNEL_PATH_AVX2: return &ntm_table_avx2;
    case NTM_KERNEL_PATH_AVX512: return &ntm_table_avx512;
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
    case NTM_KERNEL_PATH_NEON: return &ntm_table_neon;
#endif
    default: return &ntm_table_portable;
    }
}

/// `NTM_KERNELS=portable|avx2|avx512|neon` as a path, or AUTO for anything else (the Swift side
/// refuses unknown or unavailable names with a message before the first kernel runs).
static int ntm_path_from_environment(void) {
    const char *name = getenv("NTM_KERNELS");
    if (name == NULL) return NTM_KERNEL_PATH_AUTO;
    static const struct { const char *name; int path; } names[] = {
        {"portable", NTM_KERNEL_PATH_PORTABLE}, {"avx2", NTM_KERNEL_PATH_AVX2},
        {"avx512", NTM_KERNEL_PATH_AVX512}, {"neon", NTM_KERNEL_PATH_NEON},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0 && ntm_kernel_path_available(names[i].path)) return names[i].path;
    return NTM_KERNEL_PATH_AUTO;
}

// The chosen path and its function. Written once before the first product (or by an explicit choice,
// which the Swift side makes before any work starts); a racing first use writes the same values.
static volatile int ntm_path = -2;
static const ntm_kernel_table *volatile ntm_current;

static void ntm_ensure_path(void) {
    if (ntm_path != -2) return;
    int path = ntm_path_from_environment();
    if (path == NTM_KERNEL_PATH_AUTO) path = ntm_kernel_path_best();
    ntm_current = ntm_table_for(path);
    ntm_path = path;
}

int ntm_kernel_path_current(void) {
    ntm_ensure_path();
    return ntm_path;
}

int ntm_kernel_path_select(int path) {
    if (path == NTM_KERNEL_PATH_AUTO) path = ntm_kernel_path_best();
    if (!ntm_kernel_path_available(path)) return -1;
    ntm_current = ntm_table_for(path);
    ntm_path = path;
    return 0;
}

void ntm_gemm(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t rsA, ptrdiff_t csA,
              const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate) {
    ntm_ensure_path();
    ntm_current->gemm(M, N, K, A, rsA, csA, B, ldb, C, ldc, accumulate);
}

void ntm_gemm_on_path(int path, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *A, ptrdiff_t rsA,
                      ptrdiff_t csA, const float *B, ptrdiff_t ldb, float *C, ptrdiff_t ldc, int accumulate) {
    if (!ntm_kernel_path_available(path)) abort();
    ntm_table_for(path)->gemm(M, N, K, A, rsA, csA, B, ldb, C, ldc, accumulate);
}

/// The table a call names: the current path's for NTM_KERNEL_PATH_AUTO (-1), else that path's, which must be
/// available.
static const ntm_kernel_table *ntm_table_for_call(int path) {
    ntm_ensure_path();
    if (path < 0) return ntm_current;
    if (!ntm_kernel_path_available(path)) abort();
    return ntm_table_for(path);
}

void ntm_lstm_forward(int path, ptrdiff_t B, ptrdiff_t H, float *gates, const float *bias, const float *cPrev,
                      float *cNext, float *tanhC, float *hNext) {
    ntm_table_for_call(path)->lstm_forward(B, H, gates, bias, cPrev, cNext, tanhC, hNext);
}

void ntm_lstm_backward(int path, ptrdiff_t B, ptrdiff_t H, const float *gates, const float *tanhC, const float *cPrev,
                       const float *dh, float *dcRecurrent, float *dz) {
    ntm_table_for_call(path)->lstm_backward(B, H, gates, tanhC, cPrev, dh, dcRecurrent, dz);
}

void ntm_gru_forward(int path, ptrdiff_t B, ptrdiff_t H, float *gates, const float *hiddenSide, const float *biasIH,
                     const float *biasHH, const float *hPrev, float *hn, float *hNext) {
    ntm_table_for_call(path)->gru_forward(B, H, gates, hiddenSide, biasIH, biasHH, hPrev, hn, hNext);
}

void ntm_gru_backward(int path, ptrdiff_t B, ptrdiff_t H, const float *gates, const float *hn, const float *hPrev,
                      const float *dh, float *dInputSide, float *dHiddenSide, float *dhPrevious) {
    ntm_table_for_call(path)->gru_backward(B, H, gates, hn, hPrev, dh, dInputSide, dHiddenSide, dhPrevious);
}
