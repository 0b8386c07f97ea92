// swift-tools-version: 6.0
// A memory from the literature that the kit does not ship, built the way a researcher would: in
// its own package, on the kit's public API only, forward code only. See ../../notebooks-md/new-memory-guide.md.
import PackageDescription

let package = Package(
    name: "lrua",
    products: [
        .library(name: "LRUAMemory", targets: ["LRUAMemory"]),
        .executable(name: "lrua-bench", targets: ["lrua-bench"]),
    ],
    // The kit is two folders up; `name:` lets the products below say "ntm-kit" whatever its folder is called.
    dependencies: [.package(name: "ntm-kit", path: "../..")],
    targets: [
        .target(name: "LRUAMemory", dependencies: [.product(name: "NTMKit", package: "ntm-kit")]),
        .executableTarget(name: "lrua-bench", dependencies: ["LRUAMemory", .product(name: "NTMCLI", package: "ntm-kit")]),
        .testTarget(name: "LRUAMemoryTests", dependencies: ["LRUAMemory", .product(name: "NTMKit", package: "ntm-kit")]),
    ]
)
