// A square root over eight lanes that compiles to vector instructions.
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// `√x` for eight lanes, correctly rounded in every lane (IEEE 754), so bit-for-bit equal to
/// `x[i].squareRoot()` lane by lane.
///
/// `SIMD8<Float>.squareRoot()` is lowered lane by lane to eight scalar square roots on x86-64,
/// each behind a branch, which made the optimiser's square root about a sixth of an NTM's
/// batch-1 training step. `sqrtps` is SSE (part of the x86-64 baseline), so this needs no
/// particular vector extension; other architectures take the standard library's spelling.
@inlinable @inline(__always)
public func squareRoot8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    #if arch(x86_64)
    return SIMD8(lowHalf: _mm_sqrt_ps(x.lowHalf), highHalf: _mm_sqrt_ps(x.highHalf))
    #else
    return x.squareRoot()
    #endif
}
