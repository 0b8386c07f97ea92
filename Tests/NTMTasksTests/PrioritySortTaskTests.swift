// The priority sort task's batches: exact layout (vectors with priorities, delimiter, sorted targets,
// mask), the priority range, output counts, drawn lengths and reproducibility.
import Testing
import NTMCore
import NTMTasks

@Suite("Priority sort task")
struct PrioritySortTaskTests {
    private func row(_ tensor: Tensor, _ t: Int, _ b: Int) -> [Float] {
        let B = tensor.shape[1], W = tensor.shape[2]
        return Array(tensor.values[((t * B + b) * W)..<((t * B + b + 1) * W)])
    }

    /// Indices of the `k` largest priorities, highest first, by repeated selection (ties: earlier first).
    private func topIndices(_ priorities: [Float], _ k: Int) -> [Int] {
        var left = Array(priorities.indices), out: [Int] = []
        for _ in 0..<k {
            var best = left[0]
            for i in left where priorities[i] > priorities[best] { best = i }
            out.append(best)
            left.removeAll { $0 == best }
        }
        return out
    }

    @Test func handMadeExample() {
        // 3 vectors of 2 bits, 2 outputs, batch 1: T = 3 + 1 + 2 = 6, X = 4, Y = 2.
        let task = PrioritySortTask(bits: 2, minLength: 3, maxLength: 3, outputCount: 2)
        var rng = RandomSource(seed: 17)
        let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
        let v = (0..<3).map { Array(batch.inputs.values[(4 * $0)..<(4 * $0 + 2)]) }
        let p = (0..<3).map { batch.inputs.values[4 * $0 + 2] }
        let order = topIndices(p, 2)
        #expect(batch.inputs.shape == [6, 1, 4] && batch.targets.shape == [6, 1, 2])
        let expectedInputs: [Float] = v[0] + [p[0], 0] + v[1] + [p[1], 0] + v[2] + [p[2], 0]
            + [0, 0, 0, 1]                       // 3: delimiter
            + [0, 0, 0, 0] + [0, 0, 0, 0]        // 4, 5: output phase
        #expect(batch.inputs.values == expectedInputs)
        #expect(batch.targets.values == [0, 0, 0, 0, 0, 0, 0, 0] + v[order[0]] + v[order[1]])
        #expect(batch.mask.values == [0, 0, 0, 0, 1, 1])
        #expect(p[order[0]] > p[order[1]])
        #expect(p.allSatisfy { $0 >= -1 && $0 < 1 })
        #expect(batch.length == 3)
    }

    @Test(arguments: [(20, 16), (5, 16), (8, 3)])
    func layout(length N: Int, outputCount: Int) {
        let task = PrioritySortTask(outputCount: outputCount)
        var rng = RandomSource(seed: UInt64(N * 7 + outputCount))
        let B = 3
        let batch = task.makeBatch(batchSize: B, length: N, rng: &rng)
        let K = min(N, outputCount), T = N + 1 + K
        #expect(batch.steps == T && task.steps(length: N) == T && task.outputSteps(length: N) == K)
        #expect(batch.inputs.shape == [T, B, 10] && batch.targets.shape == [T, B, 8])
        #expect(batch.mask.values == [Float](repeating: 0, count: N + 1) + [Float](repeating: 1, count: K))
        for b in 0..<B {
            for t in 0..<T {
                let x = row(batch.inputs, t, b)
                #expect(x[9] == (t == N ? 1 : 0), "delimiter at \(t)")
                if t < N {
                    #expect(x[0..<8].allSatisfy { $0 == 0 || $0 == 1 })
                    #expect(x[8] >= -1 && x[8] < 1)
                } else {
                    #expect(x[0..<9].allSatisfy { $0 == 0 })
                }
                if t <= N { #expect(row(batch.targets, t, b).allSatisfy { $0 == 0 }) }
            }
            let priorities = (0..<N).map { row(batch.inputs, $0, b)[8] }
            let order = topIndices(priorities, K)
            for k in 0..<K {
                #expect(row(batch.targets, N + 1 + k, b) == Array(row(batch.inputs, order[k], b)[0..<8]), "output \(k)")
            }
        }
    }

    @Test func prioritiesAreUniform() {
        var rng = RandomSource(seed: 3)
        let batch = PrioritySortTask().makeBatch(batchSize: 100, length: nil, rng: &rng)
        var priorities: [Float] = []
        for t in 0..<20 { for b in 0..<100 { priorities.append(row(batch.inputs, t, b)[8]) } }
        let mean = priorities.reduce(0, +) / Float(priorities.count)
        #expect(abs(mean) < 0.05)
        #expect(priorities.filter { $0 < -0.5 }.count > 400 && priorities.filter { $0 > 0.5 }.count > 400)
    }

    @Test func drawnLengthsCoverTheRange() {
        let task = PrioritySortTask(minLength: 3, maxLength: 6, outputCount: 4)
        #expect(task.name == "priority-sort" && task.inputWidth == 10 && task.outputWidth == 8)
        var rng = RandomSource(seed: 12)
        var seen = Set<Int>()
        for _ in 0..<100 {
            let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
            #expect((3...6).contains(batch.length))
            #expect(batch.steps == batch.length + 1 + min(4, batch.length))
            seen.insert(batch.length)
        }
        #expect(seen == [3, 4, 5, 6])
        // The paper's defaults: 20 in, 16 out.
        let paper = PrioritySortTask()
        #expect(paper.makeBatch(batchSize: 1, length: nil, rng: &rng).steps == 37)
    }

    @Test func reproducibleFromSeed() {
        let task = PrioritySortTask()
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), c = RandomSource(seed: 6)
        let batchA = task.makeBatch(batchSize: 4, length: nil, rng: &a)
        #expect(batchA == task.makeBatch(batchSize: 4, length: nil, rng: &b))
        #expect(batchA != task.makeBatch(batchSize: 4, length: nil, rng: &c))
    }
}
