// The DNC's addressing pieces on constructed values: allocation order (a constructed tie, and random
// usage states rather than the all-zero start, where rounding decides), reuse of freed rows, and the
// temporal links' read directions.
import Testing
import NTMCore
import NTMAutodiff
import NTMArchitectures

@Suite struct DNCAddressingTests {
    /// `a[φ_j] = (1 - u[φ_j]) Π_{i<j} u[φ_i]` in Double, `φ` the stable ascending order.
    static func expectedAllocation(_ usage: [Double]) -> [Double] {
        let eps = DNCAllocation.usageEpsilon
        let u = usage.map { eps + (1 - eps) * $0 }
        let order = u.indices.sorted { u[$0] < u[$1] || (u[$0] == u[$1] && $0 < $1) }
        var a = [Double](repeating: 0, count: u.count), product = 1.0
        for j in order {
            a[j] = (1 - u[j]) * product
            product *= u[j]
        }
        return a
    }

    static func allocation(_ usage: [Float]) -> [Double] {
        FunctionProbe.map(inputWidth: usage.count, outputWidth: usage.count) { g, x in DNCAllocation.weighting(g, usage: x) }
            .run(usage, steps: 1)
    }

    @Test func theLeastUsedRowIsAllocatedFirstAndTiesGoToTheLowerRow() {
        // Rows 1 and 2 tie at 0.3; row 4 is the least used.
        let usage: [Float] = [0.5, 0.3, 0.3, 0.8, 0.1]
        let a = Self.allocation(usage)
        let expected = Self.expectedAllocation(usage.map(Double.init))
        for (x, y) in zip(a, expected) { #expect(abs(x - y) < 1e-12, "\(a) against \(expected)") }
        #expect(a.firstIndex(of: a.max()!) == 4)
        // The tie: row 1 comes before row 2, so row 1 gets (1 - 0.3) 0.1 and row 2 only (1 - 0.3) 0.1 · 0.3.
        #expect(abs(a[1] - 0.7 * 0.1) < 1e-6 && abs(a[2] - 0.7 * 0.1 * 0.3) < 1e-6, "\(a)")
    }

    @Test func allocationFromRandomStatesFollowsTheSortedUsage() {
        var rng = RandomSource(seed: 7)
        for trial in 0..<50 {
            let n = 2 + trial % 15
            let usage = (0..<n).map { _ in rng.uniformFloat() }
            let a = Self.allocation(usage)
            let expected = Self.expectedAllocation(usage.map(Double.init))
            for (x, y) in zip(a, expected) { #expect(abs(x - y) < 1e-12, "usage \(usage): \(a) against \(expected)") }
            let leastUsed = usage.indices.min { usage[$0] < usage[$1] }!
            #expect(a.indices.max { a[$0] < a[$1] } == leastUsed, "usage \(usage): allocation \(a)")
            #expect(a.reduce(0, +) <= 1 + 1e-12)
        }
    }

    @Test func aFreedRowIsAllocatedAgain() {
        // Six rows in use; row 3 was just written, row 1 was read by a head whose free gate is fully open.
        let n = 6
        let previousUsage: [Float] = [0.9, 0.8, 0.95, 0.7, 0.85, 0.9]
        var write = [Float](repeating: 0, count: n); write[3] = 1
        var read = [Float](repeating: 0, count: n); read[1] = 1
        let probe = FunctionProbe.map(inputWidth: 3 * n + 1, outputWidth: 2 * n) { g, x in
            let psi = DNCUsage.retention(freeGates: [x.slice(3 * n, 1)], previousReadWeightings: [x.slice(2 * n, n)])
            let u = DNCUsage.usage(previous: x.slice(0, n), previousWriteWeighting: x.slice(n, n), retention: psi)
            return g.concat([u, DNCAllocation.weighting(g, usage: u)])
        }
        let y = probe.run(previousUsage + write + read + [1], steps: 1)
        let usage = Array(y[0..<n]), allocation = Array(y[n..<(2 * n)])
        #expect(usage[3] == 1, "a written row is fully used: \(usage)")
        #expect(usage[1] == 0, "a freed row is unused: \(usage)")
        for i in [0, 2, 4, 5] { #expect(abs(usage[i] - Double(previousUsage[i])) < 1e-7) }
        #expect(allocation.indices.max { allocation[$0] < allocation[$1] } == 1, "\(allocation)")
        #expect(abs(allocation[1] - (1 - DNCAllocation.usageEpsilon)) < 1e-12)
    }

    @Test func afterWritingRows2Then5Then7TheLinksReadForwardTo7AndBackwardTo2() {
        let n = 8
        let e5: [Float] = (0..<n).map { $0 == 5 ? 1 : 0 }
        let probe = FunctionProbe(
            inputWidth: n, outputWidth: 2 * n,
            initial: { g in StateVars([("link", g.constant(0, shape: [n, n])), ("precedence", g.constant(0, shape: [n]))]) },
            body: { g, w, s in
                let link = DNCTemporalLinks.link(g, previous: s["link"], writeWeighting: w, previousPrecedence: s["precedence"],
                                                 offDiagonal: DNCTemporalLinks.offDiagonal(g, rows: n))
                let p = DNCTemporalLinks.precedence(previous: s["precedence"], writeWeighting: w)
                let from5 = g.constant(e5, shape: [n])
                let out = g.concat([DNCTemporalLinks.forward(g, link: link, previousReadWeighting: from5),
                                    DNCTemporalLinks.backward(g, link: link, previousReadWeighting: from5)])
                return (out, StateVars([("link", link), ("precedence", p)]))
            })
        var writes: [Float] = []
        for row in [2, 5, 7] { var w = [Float](repeating: 0, count: n); w[row] = 1; writes += w }
        let y = probe.run(writes, steps: 3)
        let last = Array(y[(4 * n)...])
        var forwardTo7 = [Double](repeating: 0, count: n); forwardTo7[7] = 1
        var backwardTo2 = [Double](repeating: 0, count: n); backwardTo2[2] = 1
        #expect(Array(last[0..<n]) == forwardTo7, "forward from row 5: \(last[0..<n])")
        #expect(Array(last[n...]) == backwardTo2, "backward from row 5: \(last[n...])")
        // After the second write only 5 → 2 is linked: forward from 5 finds nothing yet.
        #expect(Array(y[(2 * n)..<(3 * n)]) == [Double](repeating: 0, count: n))
    }

    @Test func partialWritesKeepTheLinkMatrixAndPrecedenceInRange() {
        // Soft writes from random weightings: L stays in [0, 1] with a zero diagonal, rows and columns
        // sum to at most 1, and the precedence sums to at most 1 (the paper's invariants).
        let n = 6, steps = 12
        var rng = RandomSource(seed: 3)
        var writes: [Float] = []
        for _ in 0..<steps {
            let raw = (0..<n).map { _ in rng.uniformDouble() }
            let scale = rng.uniformDouble() / raw.reduce(0, +)
            writes += raw.map { Float($0 * scale) }
        }
        let probe = FunctionProbe(
            inputWidth: n, outputWidth: n * n + n,
            initial: { g in StateVars([("link", g.constant(0, shape: [n, n])), ("precedence", g.constant(0, shape: [n]))]) },
            body: { g, w, s in
                let link = DNCTemporalLinks.link(g, previous: s["link"], writeWeighting: w, previousPrecedence: s["precedence"],
                                                 offDiagonal: DNCTemporalLinks.offDiagonal(g, rows: n))
                let p = DNCTemporalLinks.precedence(previous: s["precedence"], writeWeighting: w)
                return (g.concat([link.reshaped([n * n]), p]), StateVars([("link", link), ("precedence", p)]))
            })
        let y = probe.run(writes, steps: steps)
        for t in 0..<steps {
            let row = Array(y[(t * (n * n + n))..<((t + 1) * (n * n + n))])
            for i in 0..<n {
                #expect(row[i * n + i] == 0)
                #expect((0..<n).map { row[i * n + $0] }.reduce(0, +) <= 1 + 1e-12)
                #expect((0..<n).map { row[$0 * n + i] }.reduce(0, +) <= 1 + 1e-12)
            }
            #expect(row.prefix(n * n).allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(row.suffix(n).reduce(0, +) <= 1 + 1e-12)
        }
    }
}
