// swift-tools-version: 6.0
// A memory from the literature that the kit does not ship, built the way a researcher would: in
// its own package, on the kit's public API only, forward code only. See ../../notebooks-md/new-memory-guide.md.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, so the kit's products are looked up under the
/// name of the folder this repository was cloned into (ntm-kit, main, anything).
let kitPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "lrua",
    products: [
        .library(name: "LRUAMemory", targets: ["LRUAMemory"]),
        .executable(name: "lrua-bench", targets: ["lrua-bench"]),
    ],
    // The kit is two folders up; its package identity is that folder's name, whatever it is, so the
    // products below name it through `kitPackage`.
    dependencies: [.package(path: "../..")],
    targets: [
        .target(name: "LRUAMemory", dependencies: [.product(name: "NTMKit", package: kitPackage)]),
        .executableTarget(name: "lrua-bench", dependencies: ["LRUAMemory", .product(name: "NTMCLI", package: kitPackage)]),
        .testTarget(name: "LRUAMemoryTests", dependencies: ["LRUAMemory", .product(name: "NTMKit", package: kitPackage)]),
    ]
)
