// Transposing a matrix: copies only, so one version serves every path.
#include "ntm_kernels.h"

void ntm_transpose(ptrdiff_t rows, ptrdiff_t cols, const float *src, ptrdiff_t lds, float *dst, ptrdiff_t ldd) {
    // 8 x 8 tiles: the eight source rows and eight destination rows of a tile stay in cache together.
    for (ptrdiff_t i0 = 0; i0 < rows; i0 += 8) {
        const ptrdiff_t i1 = i0 + 8 < rows ? i0 + 8 : rows;
        for (ptrdiff_t j0 = 0; j0 < cols; j0 += 8) {
            const ptrdiff_t j1 = j0 + 8 < cols ? j0 + 8 : cols;
            if (i1 - i0 == 8 && j1 - j0 == 8) {
                for (int j = 0; j < 8; j++) {
                    float *d = dst + (j0 + j) * ldd + i0;
                    const float *s = src + i0 * lds + j0 + j;
                    for (int i = 0; i < 8; i++) d[i] = s[i * lds];
                }
            } else {
                for (ptrdiff_t j = j0; j < j1; j++)
                    for (ptrdiff_t i = i0; i < i1; i++) dst[j * ldd + i] = src[i * lds + j];
            }
        }
    }
}
