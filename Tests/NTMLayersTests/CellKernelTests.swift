// The LSTM and GRU cells' element-wise passes in the C target against the Swift loops they replaced (FastMath's
// sigmoid8 and tanh8, the same formulas in the same order), bit for bit, on every kernel path.
import NTMCore
import Testing
import _NTMTestSupport

/// The forward pass as LSTMStack computed it before the C kernels.
private func swiftForward(B: Int, H: Int, gates z0: [Float], bias: [Float], cPrev: [Float])
    -> (gates: [Float], c: [Float], tanhC: [Float], h: [Float]) {
    let G = 4 * H
    var gates = z0, c = [Float](repeating: 0, count: B * H), tc = c, h = c
    gates.withUnsafeMutableBufferPointer { zp in
        for b in 0..<B {
            let z = zp.baseAddress! + b * G
            for j in 0..<G { z[j] += bias[j] }
            sigmoidInPlace(z, 2 * H)
            tanhInPlace(z + 2 * H, H)
            sigmoidInPlace(z + 3 * H, H)
            for j in 0..<H { c[b * H + j] = z[H + j] * cPrev[b * H + j] + z[j] * z[2 * H + j] }
        }
    }
    tc = c
    tc.withUnsafeMutableBufferPointer { tanhInPlace($0.baseAddress!, B * H) }
    for b in 0..<B { for j in 0..<H { h[b * H + j] = gates[b * G + 3 * H + j] * tc[b * H + j] } }
    return (gates, c, tc, h)
}

/// The backward pass as LSTMStack computed it before the C kernels.
private func swiftBackward(B: Int, H: Int, gates z: [Float], tanhC tc: [Float], cPrev cp: [Float], dh: [Float],
                           dc dc0: [Float]) -> (dz: [Float], dc: [Float]) {
    let G = 4 * H
    var d = [Float](repeating: 0, count: B * G), dcb = dc0
    for b in 0..<B {
        for j in 0..<H {
            let i = z[b * G + j], f = z[b * G + H + j], g = z[b * G + 2 * H + j], o = z[b * G + 3 * H + j]
            let th = tc[b * H + j], dhb = dh[b * H + j]
            let dc = dcb[b * H + j] + dhb * o * (1 - th * th)
            d[b * G + j] = dc * g * i * (1 - i)
            d[b * G + H + j] = dc * cp[b * H + j] * f * (1 - f)
            d[b * G + 2 * H + j] = dc * i * (1 - g * g)
            d[b * G + 3 * H + j] = dhb * th * o * (1 - o)
            dcb[b * H + j] = dc * f
        }
    }
    return (d, dcb)
}

/// The GRU forward pass as GRUStack computed it before the C kernels.
private func swiftGRUForward(B: Int, H: Int, gates g0: [Float], hiddenSide gh: [Float], bi: [Float], bh: [Float],
                             hPrev: [Float]) -> (gates: [Float], hn: [Float], h: [Float]) {
    let G = 3 * H
    var gates = g0, hn = [Float](repeating: 0, count: B * H), h = hn
    gates.withUnsafeMutableBufferPointer { gp in
        for b in 0..<B {
            let gi = gp.baseAddress! + b * G
            for j in 0..<(2 * H) { gi[j] += bi[j] + gh[b * G + j] + bh[j] }
            sigmoidInPlace(gi, 2 * H)
            for j in 0..<H {
                let hnj = gh[b * G + 2 * H + j] + bh[2 * H + j]
                hn[b * H + j] = hnj
                gi[2 * H + j] += bi[2 * H + j] + gi[j] * hnj
            }
            tanhInPlace(gi + 2 * H, H)
            for j in 0..<H {
                let z = gi[H + j], n = gi[2 * H + j]
                h[b * H + j] = (1 - z) * n + z * hPrev[b * H + j]
            }
        }
    }
    return (gates, hn, h)
}

/// The GRU backward pass as GRUStack computed it before the C kernels.
private func swiftGRUBackward(B: Int, H: Int, gates g: [Float], hn: [Float], hPrev hp: [Float], dh: [Float])
    -> (di: [Float], dhh: [Float], rec: [Float]) {
    let G = 3 * H
    var di = [Float](repeating: 0, count: B * G), dhh = di, rec = [Float](repeating: 0, count: B * H)
    for b in 0..<B {
        for j in 0..<H {
            let r = g[b * G + j], z = g[b * G + H + j], n = g[b * G + 2 * H + j]
            let d = dh[b * H + j]
            let dn = d * (1 - z)
            let dz = d * (hp[b * H + j] - n)
            let dan = dn * (1 - n * n)
            let dar = dan * hn[b * H + j] * r * (1 - r)
            let daz = dz * z * (1 - z)
            di[b * G + j] = dar; di[b * G + H + j] = daz; di[b * G + 2 * H + j] = dan
            dhh[b * G + j] = dar; dhh[b * G + H + j] = daz; dhh[b * G + 2 * H + j] = dan * r
            rec[b * H + j] = d * z
        }
    }
    return (di, dhh, rec)
}

@Suite("Cell kernels")
struct CellKernelTests {
    @Test(arguments: KernelPath.available)
    func everyPathMatchesTheSwiftGRUCellBitForBit(path: KernelPath) {
        var rng = RandomSource(seed: 32)
        for (B, H) in [(1, 1), (1, 5), (3, 16), (2, 37), (1, 100), (4, 256)] {
            let G = 3 * H
            let g0 = TestData.uniform(B * G, -100, 100, rng: &rng), gh = TestData.uniform(B * G, -20, 20, rng: &rng)
            let bi = TestData.uniform(G, -3, 3, rng: &rng), bh = TestData.uniform(G, -3, 3, rng: &rng)
            let hPrev = TestData.uniform(B * H, rng: &rng)
            let expected = swiftGRUForward(B: B, H: H, gates: g0, hiddenSide: gh, bi: bi, bh: bh, hPrev: hPrev)
            let gates = TestBuffer(g0), ghB = TestBuffer(gh), biB = TestBuffer(bi), bhB = TestBuffer(bh), hp = TestBuffer(hPrev)
            let hn = TestBuffer(zeros: B * H), h = TestBuffer(zeros: B * H)
            GRUCellKernels.forward(batch: B, hidden: H, gates: gates.p, hiddenSide: ghB.p, biasIH: biB.p, biasHH: bhB.p,
                                   hPrev: hp.p, hn: hn.p, hNext: h.p, path: path)
            #expect(gates.array.map(\.bitPattern) == expected.gates.map(\.bitPattern), "\(path) GRU gates B=\(B) H=\(H)")
            #expect(hn.array.map(\.bitPattern) == expected.hn.map(\.bitPattern), "\(path) GRU hn B=\(B) H=\(H)")
            #expect(h.array.map(\.bitPattern) == expected.h.map(\.bitPattern), "\(path) GRU h B=\(B) H=\(H)")

            let dh = TestData.uniform(B * H, rng: &rng)
            let back = swiftGRUBackward(B: B, H: H, gates: expected.gates, hn: expected.hn, hPrev: hPrev, dh: dh)
            let di = TestBuffer(zeros: B * G), dhh = TestBuffer(zeros: B * G), rec = TestBuffer(zeros: B * H)
            let dhB = TestBuffer(dh)
            GRUCellKernels.backward(batch: B, hidden: H, gates: gates.p, hn: hn.p, hPrev: hp.p, dh: dhB.p, inputSide: di.p,
                                    hiddenSide: dhh.p, dhPrevious: rec.p, path: path)
            #expect(di.array.map(\.bitPattern) == back.di.map(\.bitPattern), "\(path) GRU input side B=\(B) H=\(H)")
            #expect(dhh.array.map(\.bitPattern) == back.dhh.map(\.bitPattern), "\(path) GRU hidden side B=\(B) H=\(H)")
            #expect(rec.array.map(\.bitPattern) == back.rec.map(\.bitPattern), "\(path) GRU direct path B=\(B) H=\(H)")
        }
    }

    @Test(arguments: KernelPath.available)
    func everyPathMatchesTheSwiftLSTMCellBitForBit(path: KernelPath) {
        var rng = RandomSource(seed: 31)
        for (B, H) in [(1, 1), (1, 5), (3, 16), (2, 37), (1, 100), (4, 256)] {
            let G = 4 * H
            // Pre-activations wide enough to reach exp's clamps at ±88 and both tails of σ and tanh.
            let z0 = TestData.uniform(B * G, -100, 100, rng: &rng), bias = TestData.uniform(G, -3, 3, rng: &rng)
            let cPrev = TestData.uniform(B * H, -5, 5, rng: &rng)
            let expected = swiftForward(B: B, H: H, gates: z0, bias: bias, cPrev: cPrev)
            let gates = TestBuffer(z0), c = TestBuffer(zeros: B * H), tc = TestBuffer(zeros: B * H), h = TestBuffer(zeros: B * H)
            let biasBuffer = TestBuffer(bias), cp = TestBuffer(cPrev)
            LSTMCellKernels.forward(batch: B, hidden: H, gates: gates.p, bias: biasBuffer.p, cPrev: cp.p, cNext: c.p,
                                    tanhC: tc.p, hNext: h.p, path: path)
            #expect(gates.array.map(\.bitPattern) == expected.gates.map(\.bitPattern), "\(path) gates B=\(B) H=\(H)")
            #expect(c.array.map(\.bitPattern) == expected.c.map(\.bitPattern), "\(path) c B=\(B) H=\(H)")
            #expect(tc.array.map(\.bitPattern) == expected.tanhC.map(\.bitPattern), "\(path) tanh c B=\(B) H=\(H)")
            #expect(h.array.map(\.bitPattern) == expected.h.map(\.bitPattern), "\(path) h B=\(B) H=\(H)")

            let dh = TestData.uniform(B * H, rng: &rng), dc0 = TestData.uniform(B * H, rng: &rng)
            let back = swiftBackward(B: B, H: H, gates: expected.gates, tanhC: expected.tanhC, cPrev: cPrev, dh: dh, dc: dc0)
            let dz = TestBuffer(zeros: B * G), dc = TestBuffer(dc0), dhBuffer = TestBuffer(dh)
            LSTMCellKernels.backward(batch: B, hidden: H, gates: gates.p, tanhC: tc.p, cPrev: cp.p, dh: dhBuffer.p,
                                     dcRecurrent: dc.p, dz: dz.p, path: path)
            #expect(dz.array.map(\.bitPattern) == back.dz.map(\.bitPattern), "\(path) dz B=\(B) H=\(H)")
            #expect(dc.array.map(\.bitPattern) == back.dc.map(\.bitPattern), "\(path) dc B=\(B) H=\(H)")
        }
    }
}
