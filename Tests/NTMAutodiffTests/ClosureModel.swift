// A recurrent model made of closures, so each test can put one op inside a small recurrent
// harness whose gradient flows through the op, across steps, and into every parameter.
import NTMCore
import NTMAutodiff

struct ClosureModel: RecurrentDefinition {
    var inputWidth = 3
    var outputWidth = 2
    var parameterSpecs: [ParameterSpec]
    var initial: (StepGraph) -> StateVars
    var body: (StepGraph, Var, StateVars) -> (output: Var, state: StateVars)

    func initialState(_ g: StepGraph) -> StateVars { initial(g) }
    func step(_ g: StepGraph, input: Var, state: StateVars) -> (output: Var, state: StateVars) { body(g, input, state) }

    /// A harness around `op`: `h = W_in concat(x, s) + b` (`[D]`), `v = op(g, h)`, output `W_out v + b`,
    /// next state `tanh(W_back v + b)`. `extra` declares the op's own parameters (normal, std 0.5).
    /// `V` is the number of scalars `op` returns.
    static func harness(D: Int = 6, V: Int, extra: [(String, [Int])] = [], _ op: @escaping (StepGraph, Var) -> Var) -> ClosureModel {
        let probeSpecs = extra.map { ParameterSpec($0.0, shape: $0.1, initializer: .normal(std: 0.5)) }
        let specs = [
            ParameterSpec("in.weight", shape: [D, 3 + D], initializer: .normal(std: 0.5)),
            ParameterSpec("in.bias", shape: [D], initializer: .normal(std: 0.5)),
            ParameterSpec("s0", shape: [D], initializer: .normal(std: 0.5)),
            ParameterSpec("out.weight", shape: [2, V], initializer: .normal(std: 0.5)),
            ParameterSpec("out.bias", shape: [2], initializer: .normal(std: 0.5)),
            ParameterSpec("back.weight", shape: [D, V], initializer: .normal(std: 0.5)),
            ParameterSpec("back.bias", shape: [D], initializer: .normal(std: 0.5)),
        ] + probeSpecs
        return ClosureModel(parameterSpecs: specs, initial: { g in StateVars([("s", g.parameter("s0"))]) }) { g, x, s in
            let h = g.linear(g.concat([x, s["s"]]), prefix: "in")
            let v = op(g, h)
            let flat = v.reshaped([V])
            return (g.linear(flat, prefix: "out"), StateVars([("s", g.linear(flat, prefix: "back").tanh())]))
        }
    }
}

