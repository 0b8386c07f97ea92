// Double copies of a model's Float parameters, for the runs that check a model in double precision.
import NTMCore

/// Every parameter of `specs`, widened exactly from the kit's Float `Parameter`s, with a zeroed Double
/// gradient beside it; freed with the object.
final class DoubleParameters {
    let specs: [ParameterSpec]
    let values: [UnsafeMutablePointer<Double>]
    let grads: [UnsafeMutablePointer<Double>]

    init(specs: [ParameterSpec], from parameters: [Parameter], caller: String) {
        self.specs = specs
        var values: [UnsafeMutablePointer<Double>] = [], grads: [UnsafeMutablePointer<Double>] = []
        for s in specs {
            guard let p = parameters.named(s.name), p.shape == s.shape else {
                preconditionFailure("\(caller): no parameter '\(s.name)' of shape \(s.shape)")
            }
            let v = UnsafeMutablePointer<Double>.allocate(capacity: max(p.count, 1))
            let g = UnsafeMutablePointer<Double>.allocate(capacity: max(p.count, 1))
            for i in 0..<p.count { v[i] = Double(p.value.base[i]) }
            g.initialize(repeating: 0, count: max(p.count, 1))
            values.append(v)
            grads.append(g)
        }
        self.values = values
        self.grads = grads
    }

    deinit { for p in values + grads { p.deallocate() } }

    /// The slots a Double engine binds to, by parameter name.
    var slots: [String: ParameterSlot<Double>] {
        var out: [String: ParameterSlot<Double>] = [:]
        for (k, s) in specs.enumerated() { out[s.name] = ParameterSlot(value: values[k], grad: grads[k]) }
        return out
    }
}
