// Probe: how much faster could the forward product `C = A Bᵀ` be with kernels written for 16-wide registers
// and FMA? Times the kit's `gemmNT` (dot-product form, SIMD8, 2 x 2 blocks) against an outer-product kernel
// (4 rows x 32 columns of C in eight SIMD16 accumulators, `addingProduct`, weights stored [K, N]) at the
// controller's shapes of the copy NTM, batch 32 on one core. Build it both portable and with
// `-target-cpu native`: only the native build turns `addingProduct` into FMA instructions.
import Foundation

typealias V16 = SIMD16<Float>
@inline(__always) func load16(_ p: UnsafePointer<Float>) -> V16 { UnsafeRawPointer(p).loadUnaligned(as: V16.self) }
@inline(__always) func store16(_ v: V16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V16.self)
}

/// `C[m, n] = Σ_k A[m, k] Bt[k, n]`, N a multiple of 32, M a multiple of 4.
func gemmOuterFMA(_ M: Int, _ N: Int, _ K: Int, _ A: UnsafePointer<Float>, _ lda: Int,
                  _ Bt: UnsafePointer<Float>, _ ldb: Int, _ C: UnsafeMutablePointer<Float>, _ ldc: Int) {
    var m = 0
    while m < M {
        var n = 0
        while n < N {
            var c00 = V16(), c01 = V16(), c10 = V16(), c11 = V16(), c20 = V16(), c21 = V16(), c30 = V16(), c31 = V16()
            let a0 = A + m * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
            for k in 0..<K {
                let b = Bt + k * ldb + n
                let w0 = load16(b), w1 = load16(b + 16)
                let x0 = V16(repeating: a0[k]), x1 = V16(repeating: a1[k])
                let x2 = V16(repeating: a2[k]), x3 = V16(repeating: a3[k])
                c00.addProduct(x0, w0); c01.addProduct(x0, w1)
                c10.addProduct(x1, w0); c11.addProduct(x1, w1)
                c20.addProduct(x2, w0); c21.addProduct(x2, w1)
                c30.addProduct(x3, w0); c31.addProduct(x3, w1)
            }
            let c = C + m * ldc + n
            store16(c00, c); store16(c01, c + 16)
            store16(c10, c + ldc); store16(c11, c + ldc + 16)
            store16(c20, c + 2 * ldc); store16(c21, c + 2 * ldc + 16)
            store16(c30, c + 3 * ldc); store16(c31, c + 3 * ldc + 16)
            n += 32
        }
        m += 4
    }
}

var seed: UInt64 = 5
func rnd() -> Float {
    seed = seed &* 6364136223846793005 &+ 1442695040888963407
    return Float(seed >> 40) / Float(1 << 24) - 0.5
}
func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p
}

func best(_ body: () -> Void) -> Double {
    var bestTime = Double.infinity
    for _ in 0..<30 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<20 { body() }
        bestTime = min(bestTime, Double(DispatchTime.now().uptimeNanoseconds - t0) / 20)
    }
    return bestTime
}

// The controller's gate product at batch 32 (input 9 + read 20 + hidden 100 = 129 inputs, 4 x 100 gates),
// and the output and head products (100 hidden to 8 outputs and ~60 head parameters: padded to 64 here).
print("| product (M x N x K) | kit gemmNT (µs) | outer SIMD16 (µs) | kit GFLOP/s | outer GFLOP/s | max relative difference | outer's bits (FNV-1a) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
for (M, N, K) in [(32, 416, 129), (32, 64, 100), (32, 416, 656)] {
    let A = alloc(M * K), B = alloc(N * K), Bt = alloc(K * N), C1 = alloc(M * N), C2 = alloc(M * N)
    for i in 0..<(M * K) { A[i] = rnd() }
    for n in 0..<N { for k in 0..<K { B[n * K + k] = rnd(); Bt[k * N + n] = B[n * K + k] } }
    let t1 = best { gemmNT(M, N, K, A, K, B, K, C1, N, accumulate: false) }
    let t2 = best { gemmOuterFMA(M, N, K, A, K, Bt, N, C2, N) }
    var diff: Float = 0
    for i in 0..<(M * N) { diff = max(diff, abs(C1[i] - C2[i]) / max(abs(C1[i]), 1e-3)) }
    // Each element of the outer kernel is one chain of fused multiply-adds over k, in order, whatever the
    // vector width or instruction set: the same bits wherever `fma` is exact, which IEEE 754 requires.
    var hash: UInt64 = 0xcbf29ce484222325
    for i in 0..<(M * N) { hash = (hash ^ UInt64(C2[i].bitPattern)) &* 0x100000001b3 }
    let flops = 2 * Double(M * N * K)
    print("| \(M) x \(N) x \(K) | \(String(format: "%.2f", t1 / 1000)) | \(String(format: "%.2f", t2 / 1000)) | "
          + "\(String(format: "%.1f", flops / t1)) | \(String(format: "%.1f", flops / t2)) | \(String(format: "%.1e", diff)) | "
          + "\(String(hash, radix: 16)) |")
}
