// Unaligned SIMD loads and stores of Float storage, shared by every hand-vectorised loop of the kit.

/// Eight floats from `p` (no alignment needed).
@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats at `p` (no alignment needed).
@inlinable @inline(__always)
public func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Four floats from `p` (no alignment needed).
@inlinable @inline(__always)
public func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

/// Stores four floats at `p` (no alignment needed).
@inlinable @inline(__always)
public func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}
