// A parameter-free recurrent model that applies a function of the step's input: constructed-value
// tests feed exact values in (as inputs) and read the function's result out (as outputs), evaluated
// by the kit's own engine in Double.
import NTMCore
import NTMAutodiff

struct FunctionProbe: RecurrentDefinition {
    var inputWidth: Int
    var outputWidth: Int
    var parameterSpecs: [ParameterSpec] { [] }
    var initial: @Sendable (StepGraph) -> StateVars
    var body: @Sendable (StepGraph, Var, StateVars) -> (output: Var, state: StateVars)

    func initialState(_ g: StepGraph) -> StateVars { initial(g) }
    func step(_ g: StepGraph, input: Var, state: StateVars) -> (output: Var, state: StateVars) { body(g, input, state) }

    /// A stateless function of the input (a dummy state rides along unchanged).
    static func map(inputWidth: Int, outputWidth: Int, _ f: @escaping @Sendable (StepGraph, Var) -> Var) -> FunctionProbe {
        FunctionProbe(inputWidth: inputWidth, outputWidth: outputWidth,
                      initial: { g in StateVars([("unused", g.constant(0, shape: [1]))]) },
                      body: { g, x, s in (f(g, x), StateVars([("unused", s["unused"] * 1.0)])) })
    }

    /// The outputs `[T, B, Y]` for inputs `[T, B, X]`.
    func run(_ inputs: [Float], steps: Int, batch: Int = 1) -> [Double] {
        evaluateInDouble(self, parameters: [], inputs: inputs, steps: steps, batch: batch) { y in
            (0, [Double](repeating: 0, count: y.count))
        }.outputs
    }
}
