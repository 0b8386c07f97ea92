// Which instruction set the matrix products run on. Every path gives the same bits; only the speed
// differs, so a run names its path for the record, not for its numbers.
import CNTMKernels

/// An instruction-set path of the kit's C kernels (`Sources/CNTMKernels`).
///
/// The kernels start on the fastest path this CPU can run, or on the one the environment variable
/// `NTM_KERNELS` names. Each element of a product is one chain of fused multiply-adds in a fixed order
/// on every path, so a run gives the same numbers on AVX-512, AVX2, NEON and the portable path.
public enum KernelPath: String, CaseIterable, Sendable, CustomStringConvertible {
    /// One lane at a time through the C library's `fmaf`: any CPU, slowly on x86 without FMA.
    case portable
    /// x86-64 with AVX2 and FMA (8 lanes).
    case avx2
    /// x86-64 with AVX-512F (16 lanes).
    case avx512
    /// arm64 (4 lanes; NEON always has fused multiply-adds).
    case neon

    var code: Int32 {
        switch self {
        case .portable: NTM_KERNEL_PATH_PORTABLE.rawValue
        case .avx2: NTM_KERNEL_PATH_AVX2.rawValue
        case .avx512: NTM_KERNEL_PATH_AVX512.rawValue
        case .neon: NTM_KERNEL_PATH_NEON.rawValue
        }
    }

    init?(code: Int32) { self.init(rawValue: Self.allCases.first { $0.code == code }?.rawValue ?? "") }

    public var description: String { rawValue }

    /// Whether this CPU and its operating system can run the path.
    public var isAvailable: Bool { ntm_kernel_path_available(code) != 0 }

    /// The paths this CPU can run, fastest first.
    public static var available: [KernelPath] { [.avx512, .avx2, .neon, .portable].filter(\.isAvailable) }

    /// The fastest path this CPU can run.
    public static var best: KernelPath { KernelPath(code: ntm_kernel_path_best()) ?? .portable }

    /// The path the kernels use now.
    public static var current: KernelPath { KernelPath(code: ntm_kernel_path_current()) ?? .portable }

    /// Makes every later product run on `path`; throws, changing nothing, when this CPU cannot run it.
    public static func select(_ path: KernelPath) throws(NTMError) {
        guard ntm_kernel_path_select(path.code) == 0 else {
            throw NTMError.usage(
                "this CPU cannot run the \(path) kernels; choose one of \(available.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// ``gemm(_:_:_:_:rowStrideA:colStrideA:_:_:_:_:accumulate:)`` on this path, whatever the current one:
    /// for comparing paths. The path must be available.
    public func gemm(
        _ M: Int, _ N: Int, _ K: Int,
        _ A: UnsafePointer<Float>, rowStrideA: Int, colStrideA: Int,
        _ B: UnsafePointer<Float>, _ ldb: Int,
        _ C: UnsafeMutablePointer<Float>, _ ldc: Int,
        accumulate: Bool
    ) {
        precondition(isAvailable, "this CPU cannot run the \(self) kernels")
        guard M > 0 && N > 0 else { return }
        ntm_gemm_on_path(code, M, N, K, A, rowStrideA, colStrideA, B, ldb, C, ldc, accumulate ? 1 : 0)
    }

    /// Applies `NTM_KERNELS` from `environment` (unset or empty: the fastest path). Throws a one-line error
    /// naming the choices when the value is not a path or this CPU cannot run it.
    public static func applyEnvironment(_ environment: [String: String]) throws(NTMError) {
        guard let name = environment["NTM_KERNELS"], !name.isEmpty else { return }
        guard let path = KernelPath(rawValue: name) else {
            throw NTMError.usage(
                "NTM_KERNELS=\(name) is not a kernel path; use one of \(allCases.map(\.rawValue).joined(separator: ", ")) (or unset it for the fastest)")
        }
        guard path.isAvailable else {
            throw NTMError.usage(
                "NTM_KERNELS=\(name): this CPU cannot run those kernels; use one of \(available.map(\.rawValue).joined(separator: ", "))")
        }
        try select(path)
    }
}
