// How the NTM's memory starts each sequence (models.md § NTM, "Initial state").

/// The initial memory `Mem_0`.
public enum MemoryInit: String, Sendable, CaseIterable, Codable {
    /// Every entry `1e-6`, not trained (Collier & Beel 2018 found this the most reliable).
    case constant
    /// `tanh(μ)` with a learned `μ`.
    case learned
    /// `tanh` of a fixed draw from `Normal(0, 0.5²)`, not trained.
    case random

    /// The constant memory value.
    public static let constantValue: Float = 1e-6
}
