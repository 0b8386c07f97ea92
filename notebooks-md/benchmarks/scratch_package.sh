# Sourced by kernel_ab.sh and batch_lane_probe.sh: a one-target scratch package for kernel experiments that
# copy the kit's sources (the package itself is never a dependency of them).
#
# scratch_package DIR NAME   creates DIR/Package.swift for executable NAME and an empty DIR/Sources/NAME,
#                            whose path it prints
# scratch_run DIR NAME       builds it in release mode (printing only errors) and runs it
scratch_package() {
    local dir=$1 name=$2
    rm -rf "$dir/Sources/$name"
    mkdir -p "$dir/Sources/$name"
    cat > "$dir/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "$name", targets: [.executableTarget(name: "$name", path: "Sources/$name")],
                      swiftLanguageModes: [.v5])
SWIFT
    echo "$dir/Sources/$name"
}

scratch_run() {
    (cd "$1" && swift build -c release 2>&1 | grep -E "error" || true)
    "$1/.build/release/$2"
}
