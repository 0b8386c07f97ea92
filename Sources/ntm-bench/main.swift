// ntm-bench: the kit's command-line tool; all of it lives in the NTMCLI library.
import Foundation
import NTMCLI

exit(NTMCLI.run(arguments: Array(CommandLine.arguments.dropFirst())))
