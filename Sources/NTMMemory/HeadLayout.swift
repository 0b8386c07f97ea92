// Where each addressing parameter sits in a head's output vector (models.md § NTM, step 2).

/// The layout of a head's parameter vector `p`:
///
/// ```
/// read head:  [k (M), β̂ (1), ĝ (1), ŝ (2S+1), γ̂ (1)]                 M + 2S + 4 values
/// write head: [k (M), β̂ (1), ĝ (1), ŝ (2S+1), γ̂ (1), ê (M), â (M)]  3M + 2S + 4 values
/// ```
public struct HeadLayout: Sendable, Equatable {
    public let memoryWidth: Int
    public let shiftRange: Int
    public let isWrite: Bool

    public init(memoryWidth: Int, shiftRange: Int, isWrite: Bool) {
        self.memoryWidth = memoryWidth
        self.shiftRange = shiftRange
        self.isWrite = isWrite
    }

    public var key: Int { 0 }
    public var beta: Int { memoryWidth }
    public var gate: Int { memoryWidth + 1 }
    public var shift: Int { memoryWidth + 2 }
    public var shiftCount: Int { 2 * shiftRange + 1 }
    public var gamma: Int { memoryWidth + 2 * shiftRange + 3 }
    public var erase: Int { memoryWidth + 2 * shiftRange + 4 }
    public var add: Int { erase + memoryWidth }
    public var size: Int { isWrite ? 3 * memoryWidth + 2 * shiftRange + 4 : memoryWidth + 2 * shiftRange + 4 }
}
