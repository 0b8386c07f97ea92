// The kit's hot kernels in C: matrix products built from fused multiply-adds, compiled for several
// instruction sets and chosen once at run time. Every path gives the same bits (see gemm_body.inc).
#ifndef NTM_KERNELS_H
#define NTM_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets a kernel can run on. `NTM_KERNEL_PATH_AUTO` asks for the fastest available.
typedef enum {
    NTM_KERNEL_PATH_AUTO = -1,
    NTM_KERNEL_PATH_PORTABLE = 0,
    NTM_KERNEL_PATH_AVX2 = 1,
    NTM_KERNEL_PATH_AVX512 = 2,
    NTM_KERNEL_PATH_NEON = 3,
} ntm_kernel_path;

/// 1 when this CPU (and its operating system) can run `path`, else 0.
int ntm_kernel_path_available(int path);

/// The fastest path this CPU can run.
int ntm_kernel_path_best(void);

/// The path the kernels use now. On first use it is the fastest available one, or the one named by the
/// environment variable `NTM_KERNELS` when that names an available path.
int ntm_kernel_path_current(void);

/// Makes `path` the one every later call uses. Returns 0, or -1 (and changes nothing) when this CPU
/// cannot run it. `NTM_KERNEL_PATH_AUTO` selects the best.
int ntm_kernel_path_select(int path);

/// `C[m, n] = c + Σ_k A(m, k) B[k, n]` for m < M, n < N, with `A(m, k) = A[m * rsA + k * csA]` and
/// `B`, `C` row-major with row strides `ldb`, `ldc`, `c = C[m, n]` when `accumulate` is non-zero. The sum
/// is taken in blocks of 32 values of k: in each, one chain of fused multiply-adds in increasing k from +0,
/// `t = fma(A(m, k), B[k, n], t)`; the blocks' results are added in order, `((c + t_0) + t_1) + …`
/// (`(t_0 + t_1) + …` when not accumulating; with K = 0, C is left alone or set to 0).
void ntm_gemm(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
              const float *A, ptrdiff_t rsA, ptrdiff_t csA,
              const float *B, ptrdiff_t ldb,
              float *C, ptrdiff_t ldc, int accumulate);

/// ``ntm_gemm`` on a given path, whatever the current one (for tests that compare paths). The path
/// must be available.
void ntm_gemm_on_path(int path, ptrdiff_t M, ptrdiff_t N, ptrdiff_t K,
                      const float *A, ptrdiff_t rsA, ptrdiff_t csA,
                      const float *B, ptrdiff_t ldb,
                      float *C, ptrdiff_t ldc, int accumulate);

/// The LSTM cell's element-wise forward pass for `B` rows of `H` units (models.md, "LSTM cell"): with
/// `z = gates[b] + bias` (`[4H]`, order i, f, g, o), writes the activated gates back into `gates`,
/// `c' = f c + i g` into `cNext`, `tanh(c')` into `tanhC` and `h' = o tanh(c')` into `hNext`; `cPrev`,
/// `cNext`, `tanhC`, `hNext` are `[B, H]`. `path` is NTM_KERNEL_PATH_AUTO (-1) for the current path.
void ntm_lstm_forward(int path, ptrdiff_t B, ptrdiff_t H, float *gates, const float *bias, const float *cPrev,
                      float *cNext, float *tanhC, float *hNext);

/// Its backward pass: from `dh` (`dL/dh'`, `[B, H]`) and the carried `dL/dc'` (`dcRecurrent`, replaced by
/// `dL/dc`), writes the pre-activation gradients `dz` (`[B, 4H]`).
void ntm_lstm_backward(int path, ptrdiff_t B, ptrdiff_t H, const float *gates, const float *tanhC, const float *cPrev,
                       const float *dh, float *dcRecurrent, float *dz);

/// The GRU cell's element-wise forward pass (models.md, "GRU cell", gate order r, z, n) for `B` rows of `H`
/// units: `gates` (`[B, 3H]`) holds `W_ih u` and receives r, z, n; `hiddenSide` (`[B, 3H]`) is `W_hh h`;
/// writes `hn = W_hn h + b_hn` and `h' = (1 - z) n + z h` (`[B, H]`).
void ntm_gru_forward(int path, ptrdiff_t B, ptrdiff_t H, float *gates, const float *hiddenSide, const float *biasIH,
                     const float *biasHH, const float *hPrev, float *hn, float *hNext);

/// Its backward pass from `dh` (`[B, H]`): writes the input-side and hidden-side pre-activation gradients
/// (`[B, 3H]` each) and `dhPrevious = dh ∘ z` (`[B, H]`, the direct path; may alias `dh`'s source).
void ntm_gru_backward(int path, ptrdiff_t B, ptrdiff_t H, const float *gates, const float *hn, const float *hPrev,
                      const float *dh, float *dInputSide, float *dHiddenSide, float *dhPrevious);

/// `dst[j * ldd + i] = src[i * lds + j]` for i < rows, j < cols.
void ntm_transpose(ptrdiff_t rows, ptrdiff_t cols, const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd);

#ifdef __cplusplus
}
#endif

#endif
