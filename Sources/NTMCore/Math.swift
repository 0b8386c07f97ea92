// Scalar functions shared by the kernels, written once so forward and backward agree bit for bit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func Foundation_log(_ x: Double) -> Double { log(x) }
@inline(__always) public func Foundation_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) public func Foundation_logd(_ x: Double) -> Double { log(x) }
@inline(__always) public func Foundation_expd(_ x: Double) -> Double { exp(x) }
@inline(__always) func Foundation_cos(_ x: Double) -> Double { cos(x) }

/// Logistic sigmoid `σ(x) = 1 / (1 + e^-x)`, computed without overflow for large |x|.
@inline(__always) public func sigmoid(_ x: Float) -> Float {
    if x >= 0 {
        return 1 / (1 + expf(-x))
    } else {
        let e = expf(x)
        return e / (1 + e)
    }
}

/// `softplus(x) = log(1 + e^x)`, stable for large |x|.
@inline(__always) public func softplus(_ x: Float) -> Float {
    x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x))
}

@inline(__always) public func tanhf_(_ x: Float) -> Float { tanhf(x) }
@inline(__always) public func expf_(_ x: Float) -> Float { expf(x) }
@inline(__always) public func logf_(_ x: Float) -> Float { logf(x) }
@inline(__always) public func powf_(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@inline(__always) public func log1pf_(_ x: Float) -> Float { log1pf(x) }
