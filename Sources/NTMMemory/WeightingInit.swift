// How the NTM's learned initial weightings `ω^j` start training (models.md § NTM: `w^j_0 = softmax(ω^j)`).
// The spec fixes the equation, not the starting values; this chooses them.

/// The initial value of every head's `ω` (checkpoint names `read_heads.{i}.w0`, `write_heads.{j}.w0`).
public enum WeightingInit: String, Sendable, CaseIterable, Codable {
    /// `ω ~ N(0, 0.1²)`: `w_0 = softmax(ω)` is near uniform (every row's weight within about a third of
    /// `1/N`), so where a head starts is decided by small random differences that training must amplify.
    case uniform
    /// `ω = (firstRowLogit, 0, …, 0)`: `w_0` puts `e^10 / (e^10 + N - 1)` (0.994 for 128 rows) on row 0,
    /// so every head starts on one known row.
    case firstRow = "first-row"

    /// The logit of row 0 under `firstRow`.
    public static let firstRowLogit: Float = 10

    /// `uniform, first-row`: the names, for error messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
