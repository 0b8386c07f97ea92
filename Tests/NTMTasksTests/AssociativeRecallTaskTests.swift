// The associative recall task's batches: exact layout (item and query delimiters, query, answer, mask),
// the query index's range, drawn item counts and reproducibility.
import Testing
import NTMCore
import NTMTasks

@Suite("Associative recall task")
struct AssociativeRecallTaskTests {
    private func row(_ tensor: Tensor, _ t: Int, _ b: Int) -> [Float] {
        let B = tensor.shape[1], W = tensor.shape[2]
        return Array(tensor.values[((t * B + b) * W)..<((t * B + b + 1) * W)])
    }

    @Test func handMadeExample() {
        // 2 items of 1 vector of 2 bits, batch 1: the query can only be item 0, the answer item 1.
        // S = 2 steps per item, T = 3·2 + 1 + 1 = 8, X = 4, Y = 2.
        let task = AssociativeRecallTask(bits: 2, itemSize: 1, minItems: 2, maxItems: 2)
        var rng = RandomSource(seed: 4)
        let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
        let a = Array(batch.inputs.values[4..<6]), c = Array(batch.inputs.values[12..<14])
        let expectedInputs: [Float] = [0, 0, 1, 0]   // 0: item delimiter
            + a + [0, 0]                             // 1: item 0
            + [0, 0, 1, 0]                           // 2: item delimiter
            + c + [0, 0]                             // 3: item 1
            + [0, 0, 0, 1]                           // 4: query delimiter
            + a + [0, 0]                             // 5: the query (item 0)
            + [0, 0, 0, 1]                           // 6: second query delimiter
            + [0, 0, 0, 0]                           // 7: answer step
        #expect(batch.inputs.shape == [8, 1, 4] && batch.targets.shape == [8, 1, 2])
        #expect(batch.inputs.values == expectedInputs)
        #expect(batch.targets.values == [Float](repeating: 0, count: 14) + c)
        #expect(batch.mask.values == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(batch.length == 2)
    }

    @Test func handMadePaperSizedExample() throws {
        // The paper's sizes (3 vectors of 6 bits) with 3 items: S = 4, T = 4·4 + 1 + 3 = 20.
        let task = AssociativeRecallTask()
        var rng = RandomSource(seed: 21)
        let batch = task.makeBatch(batchSize: 1, length: 3, rng: &rng)
        #expect(batch.inputs.shape == [20, 1, 8] && batch.targets.shape == [20, 1, 6])
        func item(_ n: Int) -> [[Float]] { (0..<3).map { Array(row(batch.inputs, 4 * n + 1 + $0, 0)[0..<6]) } }
        let items = (0..<3).map(item)
        let query = (0..<3).map { Array(row(batch.inputs, 13 + $0, 0)[0..<6]) }
        let q = try #require(items.firstIndex(of: query))
        #expect(q < 2, "the query is never the last item")
        let item: (Int) -> [Float] = { n in items[n].flatMap { $0 + [0, 0] } }
        let expectedInputs: [Float] = ([0, 0, 0, 0, 0, 0, 1, 0] + item(0)) + ([0, 0, 0, 0, 0, 0, 1, 0] + item(1))
            + ([0, 0, 0, 0, 0, 0, 1, 0] + item(2))
            + [0, 0, 0, 0, 0, 0, 0, 1] + item(q) + [0, 0, 0, 0, 0, 0, 0, 1]
            + [Float](repeating: 0, count: 24)
        #expect(batch.inputs.values == expectedInputs)
        let expectedTargets = [Float](repeating: 0, count: 17 * 6) + items[q + 1].flatMap { $0 }
        #expect(batch.targets.values == expectedTargets)
        #expect(batch.mask.values == [Float](repeating: 0, count: 17) + [1, 1, 1])
    }

    @Test(arguments: [2, 4, 6])
    func layout(items N: Int) {
        let task = AssociativeRecallTask()
        var rng = RandomSource(seed: UInt64(N))
        let B = 3
        let batch = task.makeBatch(batchSize: B, length: N, rng: &rng)
        let S = 4, T = (N + 1) * S + 4
        #expect(batch.steps == T && task.steps(items: N) == T && batch.length == N)
        for t in 0..<T {
            #expect(batch.mask.values[t] == (t >= T - 3 ? 1 : 0), "mask at \(t)")
        }
        for b in 0..<B {
            for t in 0..<T {
                let x = row(batch.inputs, t, b)
                let isItemDelimiter = t < N * S && t % S == 0
                let isQueryDelimiter = t == N * S || t == N * S + S
                #expect(x[6] == (isItemDelimiter ? 1 : 0), "item delimiter at \(t)")
                #expect(x[7] == (isQueryDelimiter ? 1 : 0), "query delimiter at \(t)")
                if isItemDelimiter || isQueryDelimiter || t > N * S + S {
                    #expect(x[0..<6].allSatisfy { $0 == 0 })
                } else {
                    #expect(x[0..<6].allSatisfy { $0 == 0 || $0 == 1 })
                }
                if t < T - 3 { #expect(row(batch.targets, t, b).allSatisfy { $0 == 0 }) }
            }
            let items = (0..<N).map { n in (0..<3).flatMap { row(batch.inputs, n * S + 1 + $0, b)[0..<6] } }
            let query = (0..<3).flatMap { row(batch.inputs, N * S + 1 + $0, b)[0..<6] }
            let answer = (0..<3).flatMap { row(batch.targets, T - 3 + $0, b) }
            #expect((0..<(N - 1)).contains { items[$0] == query && items[$0 + 1] == answer })
        }
    }

    @Test func queryIndexCoversAllButTheLastItem() {
        let task = AssociativeRecallTask()
        var rng = RandomSource(seed: 8)
        let N = 4, B = 200, S = 4
        let batch = task.makeBatch(batchSize: B, length: N, rng: &rng)
        var seen = [Int](repeating: 0, count: N)
        for b in 0..<B {
            let items = (0..<N).map { n in (0..<3).flatMap { row(batch.inputs, n * S + 1 + $0, b)[0..<6] } }
            let query = (0..<3).flatMap { row(batch.inputs, N * S + 1 + $0, b)[0..<6] }
            if let q = items.firstIndex(of: query) { seen[q] += 1 }
        }
        #expect(seen[N - 1] == 0)
        #expect(seen.reduce(0, +) == B)
        for q in 0..<(N - 1) { #expect(seen[q] > 40, "query index \(q) drawn \(seen[q]) times") }
    }

    @Test func drawnItemCountsCoverTheRange() {
        let task = AssociativeRecallTask()
        #expect(task.name == "associative-recall" && task.inputWidth == 8 && task.outputWidth == 6)
        var rng = RandomSource(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<100 {
            let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
            #expect((2...6).contains(batch.length))
            #expect(batch.steps == (batch.length + 1) * 4 + 4)
            seen.insert(batch.length)
        }
        #expect(seen == [2, 3, 4, 5, 6])
    }

    @Test func reproducibleFromSeed() {
        let task = AssociativeRecallTask()
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), c = RandomSource(seed: 6)
        let batchA = task.makeBatch(batchSize: 4, length: nil, rng: &a)
        #expect(batchA == task.makeBatch(batchSize: 4, length: nil, rng: &b))
        #expect(batchA != task.makeBatch(batchSize: 4, length: nil, rng: &c))
    }
}
