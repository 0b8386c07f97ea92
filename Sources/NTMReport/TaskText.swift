// How reports name a task, its training distribution and its points in words. Copy's phrases are
// those of the first reports (its report text is kept as it was).
import NTMTasks
import NTMTraining

extension TaskConfig {
    /// `Copy`, `Repeat copy`, `Associative recall`, `Dynamic N-grams`, `Priority sort`.
    public var title: String {
        switch kind {
        case .copy: return "Copy"
        case .repeatCopy: return "Repeat copy"
        case .associativeRecall: return "Associative recall"
        case .ngrams: return "Dynamic N-grams"
        case .prioritySort: return "Priority sort"
        }
    }

    /// `a–b`, or `a` when the range holds one value.
    static func range(_ a: Int, _ b: Int) -> String { a == b ? "\(a)" : "\(a)–\(b)" }

    /// The report's first line (without the seed): `Copy task, trained on lengths 1–20`.
    public var heading: String {
        switch kind {
        case .copy:
            return "\(name.capitalized) task, trained on lengths \(minLength)–\(length)"
        case .repeatCopy:
            return "\(title) task, trained on lengths \(Self.range(minLength, length)) and \(Self.range(minRepeats, maxRepeats)) repeats"
        case .associativeRecall:
            return "\(title) task, trained on \(Self.range(minLength, length)) items"
        case .ngrams:
            return "\(title) task, trained on \(length)-bit sequences"
        case .prioritySort:
            return "\(title) task, trained on \(Self.range(minLength, length)) inputs (\(outputCount) sorted outputs)"
        }
    }

    /// A point in words: `of length 20`, `of length 10 with 20 repeats`, `of 12 items`, `of 200 bits`, `of 20 inputs`.
    public func phrase(_ p: TaskPoint) -> String {
        switch kind {
        case .copy: return "of length \(p.length)"
        case .repeatCopy: return "of length \(p.length) with \(p.repeats ?? maxRepeats) repeats"
        case .associativeRecall: return "of \(p.length) items"
        case .ngrams: return "of \(p.length) bits"
        case .prioritySort: return "of \(p.length) inputs"
        }
    }

    /// The task's training distribution and layout in a sentence or two.
    public var layoutSentence: String {
        switch kind {
        case .copy:
            return "Task: \(bits)-bit random vectors, lengths uniform in \(minLength)…\(length) "
                + "(one length per batch), a delimiter on an extra input channel, then the output phase with zero input."
        case .repeatCopy:
            let encoding = repeatEncoding == .standardized
                ? "standardised to mean 0 and variance 1 over the training range, as in the paper"
                : "as a fraction of the most repeats"
            return "Task: \(bits)-bit random vectors, lengths uniform in \(minLength)…\(length) and repeat counts uniform in "
                + "\(minRepeats)…\(maxRepeats) (one of each per batch); a start delimiter, the sequence, the count on its own "
                + "channel (\(encoding)); the target is the sequence that many times over, then an end marker. "
                + "Points are written length x repeats."
        case .associativeRecall:
            return "Task: items of \(itemSize) random \(bits)-bit vectors, \(minLength)…\(length) items per sequence (one count "
                + "per batch), each after a delimiter; then a query item between two query delimiters; the target is the item "
                + "that followed the query. Points are numbers of items."
        case .ngrams:
            return "Task: \(length)-bit sequences, each from a fresh \(contextBits + 1)-gram table (\(1 << contextBits) "
                + "probabilities drawn from Beta(1/2, 1/2)); the model predicts each bit from those before it; the first "
                + "\(contextBits) bits (no full context) are not scored. Points are sequence lengths in bits."
        case .prioritySort:
            return "Task: \(Self.range(minLength, length)) random \(bits)-bit vectors, each with a priority uniform in [-1, 1); "
                + "the target is the \(outputCount) of highest priority, highest first. Points are numbers of input vectors."
        }
    }
}

extension CurriculumConfig {
    /// The curriculum in words, for reports (`nil` for none).
    public func summary(levels: ClosedRange<Int>) -> String? {
        let range = "levels \(levels.lowerBound)…\(levels.upperBound)"
        switch kind {
        case .none:
            return nil
        case .uniform:
            return "uniform: each batch at a level drawn uniformly from \(range)"
        case .naive, .lookback:
            var s = "\(kind.rawValue): \(range), starting at \(levels.lowerBound), up by \(step) whenever the mean training "
                + "bit errors per sequence over \(window) sequences at the current level fall below \(threshold)"
            if kind == .lookback {
                s += "; each batch at an earlier level (uniform from \(levels.lowerBound) to the current) with probability \(probability)"
            }
            return s
        }
    }
}
