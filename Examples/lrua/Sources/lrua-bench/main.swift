// ntm-bench with one more model: `lrua-bench copy --models ntm,lrua`, and every other command.
import Foundation
import NTMCLI
import NTMKit
import LRUAMemory

try ModelRegistry.register(LRUAMemory.entry)
exit(NTMCLI.run(arguments: Array(CommandLine.arguments.dropFirst()), programName: "lrua-bench"))
