// The copy task's batches: layout of inputs, delimiter, targets and mask, and reproducibility.
import Testing
import NTMCore
import NTMTasks

@Suite("Copy task")
struct CopyTaskTests {
    @Test(arguments: [1, 2, 5])
    func layoutMatchesThePaper(length: Int) throws {
        let task = CopyTask(bits: 8, minLength: 1, maxLength: 10)
        var rng = RandomSource(seed: 3)
        let batch = task.makeBatch(batchSize: 3, length: length, rng: &rng)
        let T = 2 * length + 1, B = 3, X = 9, Y = 8
        #expect(batch.inputs.shape == [T, B, X])
        #expect(batch.targets.shape == [T, B, Y])
        #expect(batch.mask.shape == [T])
        #expect(batch.length == length)
        for t in 0..<T {
            #expect(batch.mask.values[t] == (t > length ? 1 : 0), "mask at \(t)")
            for b in 0..<B {
                let x = Array(batch.inputs.values[((t * B + b) * X)..<((t * B + b + 1) * X)])
                let y = Array(batch.targets.values[((t * B + b) * Y)..<((t * B + b + 1) * Y)])
                // The delimiter channel is on only at step L.
                #expect(x[8] == (t == length ? 1 : 0))
                if t < length {
                    // Input phase: bits are 0/1 and no target.
                    #expect(x[0..<8].allSatisfy { $0 == 0 || $0 == 1 })
                    #expect(y.allSatisfy { $0 == 0 })
                } else if t == length {
                    #expect(x[0..<8].allSatisfy { $0 == 0 })
                    #expect(y.allSatisfy { $0 == 0 })
                } else {
                    // Output phase: zero input, target is the vector seen at step t - L - 1.
                    #expect(x.allSatisfy { $0 == 0 })
                    let s = t - length - 1
                    let seen = Array(batch.inputs.values[((s * B + b) * X)..<((s * B + b) * X + 8)])
                    #expect(y == seen)
                }
            }
        }
    }

    @Test func handMadeExample() {
        // Length 1, batch 1: [x, delim, 0] in, [-, -, x] out.
        var rng = RandomSource(seed: 11)
        let batch = CopyTask(bits: 3, minLength: 1, maxLength: 1).makeBatch(batchSize: 1, length: nil, rng: &rng)
        let x = Array(batch.inputs.values[0..<3])
        #expect(batch.inputs.values == x + [0] + [0, 0, 0, 1] + [0, 0, 0, 0])
        #expect(batch.targets.values == [0, 0, 0] + [0, 0, 0] + x)
        #expect(batch.mask.values == [0, 0, 1])
    }

    @Test func reproducibleFromSeed() {
        let task = CopyTask(bits: 8, minLength: 1, maxLength: 20)
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), c = RandomSource(seed: 6)
        let batchA = task.makeBatch(batchSize: 4, length: nil, rng: &a)
        let batchB = task.makeBatch(batchSize: 4, length: nil, rng: &b)
        let batchC = task.makeBatch(batchSize: 4, length: nil, rng: &c)
        #expect(batchA == batchB)
        #expect(batchA != batchC)
    }

    @Test func lengthsCoverTheRange() {
        let task = CopyTask(bits: 8, minLength: 3, maxLength: 6)
        var rng = RandomSource(seed: 9)
        var seen = Set<Int>()
        for _ in 0..<200 {
            let batch = task.makeBatch(batchSize: 1, length: nil, rng: &rng)
            #expect((3...6).contains(batch.length))
            #expect(batch.steps == 2 * batch.length + 1)
            seen.insert(batch.length)
        }
        #expect(seen == [3, 4, 5, 6])
    }

    @Test func bitsAreBalanced() {
        var rng = RandomSource(seed: 2)
        let batch = CopyTask(bits: 8, minLength: 50, maxLength: 50).makeBatch(batchSize: 20, length: nil, rng: &rng)
        let ones = batch.targets.values.reduce(0, +)
        let total = Float(50 * 20 * 8)
        #expect(abs(ones / total - 0.5) < 0.03)
    }
}
