// The scalar types a recorded step program runs in: Float for training, Double for gradient checks.
// One program, two precisions: the same user code is checked in Double and trained in Float.
import NTMCore

/// A floating-point type the autodiff engine can run a ``StepProgram`` in.
///
/// `Float` trains; `Double` checks gradients, where central differences see relative errors near
/// 1e-8 instead of float32's 1e-3. The elementary functions are the kit's own (``KitMath``), identical on every platform.
public protocol GraphScalar: BinaryFloatingPoint, Sendable {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    /// The integer an index value holds (sort, gather and scatter keep indices as scalars): a concrete
    /// conversion, since the generic `Int(_:)` over `BinaryFloatingPoint` is slow.
    var index: Int { get }
}

extension Float: GraphScalar {
    @inline(__always) public static func exp(_ x: Float) -> Float { KitMath.exp(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { KitMath.log(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { KitMath.log1p(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { KitMath.tanh(x) }
    @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { KitMath.pow(x, y) }
    @inline(__always) public var index: Int { Int(self) }
}

extension Double: GraphScalar {
    @inline(__always) public static func exp(_ x: Double) -> Double { KitMath.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { KitMath.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { KitMath.log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { KitMath.tanh(x) }
    @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { KitMath.pow(x, y) }
    @inline(__always) public var index: Int { Int(self) }
}
