// swift-tools-version: 6.0
// The NTM kit: neural Turing machines and recurrent baselines, trained by BPTT,
// with no package dependencies. See README.md.
import PackageDescription

let package = Package(
    name: "ntm-kit",
    products: [
        // MARK: - Public API
        .library(name: "NTMKit", targets: ["NTMKit"]),
        .library(name: "NTMCore", targets: ["NTMCore"]),
        .library(name: "NTMAutodiff", targets: ["NTMAutodiff"]),
        .library(name: "NTMLayers", targets: ["NTMLayers"]),
        .library(name: "NTMMemory", targets: ["NTMMemory"]),
        .library(name: "NTMModels", targets: ["NTMModels"]),
        .library(name: "NTMTasks", targets: ["NTMTasks"]),
        .library(name: "NTMTraining", targets: ["NTMTraining"]),
        .library(name: "NTMReport", targets: ["NTMReport"]),
        .library(name: "NTMArchitectures", targets: ["NTMArchitectures"]),
        .library(name: "NTMSweep", targets: ["NTMSweep"]),
        .library(name: "NTMCLI", targets: ["NTMCLI"]),
        .executable(name: "ntm-bench", targets: ["ntm-bench"]),
    ],
    targets: [
        // MARK: - Public API
        // The hot kernels in C, one variant per instruction set, chosen at run time (Sources/CNTMKernels).
        .target(name: "CNTMKernels"),
        .target(name: "NTMCore", dependencies: ["CNTMKernels"]),
        .target(name: "NTMAutodiff", dependencies: ["NTMCore", "NTMMemory"]),
        .target(name: "NTMLayers", dependencies: ["NTMCore"]),
        .target(name: "NTMMemory", dependencies: ["NTMCore", "NTMLayers"]),
        .target(name: "NTMModels", dependencies: ["NTMCore", "NTMAutodiff", "NTMLayers", "NTMMemory"]),
        .target(name: "NTMTasks", dependencies: ["NTMCore"]),
        .target(name: "NTMTraining", dependencies: ["NTMCore", "NTMModels", "NTMTasks"]),
        .target(name: "NTMReport", dependencies: ["NTMCore", "NTMModels", "NTMTasks", "NTMTraining"]),
        // The DNC and the memory network, built on the public API only (as a researcher's package would).
        .target(name: "NTMArchitectures", dependencies: ["NTMCore", "NTMAutodiff", "NTMModels"]),
        // Sweeps: a plan of many runs, claims that work on shared file systems, Slurm job arrays, the merged report.
        .target(name: "NTMSweep", dependencies: ["NTMCore", "NTMModels", "NTMTasks", "NTMTraining", "NTMReport"]),
        .target(name: "NTMCLI", dependencies: ["NTMCore", "NTMModels", "NTMTasks", "NTMTraining", "NTMReport", "NTMArchitectures", "NTMSweep"]),
        .target(name: "NTMKit", dependencies: ["NTMCore", "NTMAutodiff", "NTMLayers", "NTMMemory", "NTMModels", "NTMTasks", "NTMTraining", "NTMReport", "NTMArchitectures", "NTMSweep"]),
        .executableTarget(name: "ntm-bench", dependencies: ["NTMCLI"]),

        // MARK: - Examples (compiled so the README's code cannot rot)
        .executableTarget(name: "ntm-example", dependencies: ["NTMKit"], path: "Examples/ntm-example"),

        // MARK: - Implementation details
        .target(name: "_NTMTestSupport", dependencies: ["NTMCore"], path: "Tests/_NTMTestSupport"),

        // MARK: - Unit test bundles
        .testTarget(name: "NTMAutodiffTests", dependencies: ["NTMCore", "NTMAutodiff"]),
        .testTarget(name: "NTMArchitecturesTests", dependencies: ["NTMCore", "NTMAutodiff", "NTMModels", "NTMArchitectures"]),
        .testTarget(name: "NTMCoreTests", dependencies: ["NTMCore", "_NTMTestSupport"]),
        .testTarget(name: "NTMLayersTests", dependencies: ["NTMCore", "NTMLayers", "_NTMTestSupport"]),
        .testTarget(name: "NTMMemoryTests", dependencies: ["NTMCore", "NTMLayers", "NTMMemory", "_NTMTestSupport"]),
        .testTarget(
            name: "NTMModelsTests",
            dependencies: ["NTMCore", "NTMMemory", "NTMModels", "NTMTasks", "_NTMTestSupport"],
            exclude: ["Fixtures/README.md"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "NTMTasksTests", dependencies: ["NTMCore", "NTMTasks"]),
        .testTarget(name: "NTMTrainingTests", dependencies: ["NTMKit", "_NTMTestSupport"]),
        .testTarget(name: "NTMCLITests", dependencies: ["NTMCLI", "NTMKit", "_NTMTestSupport"]),
    ]
)
