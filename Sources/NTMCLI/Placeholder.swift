import NTMCore
