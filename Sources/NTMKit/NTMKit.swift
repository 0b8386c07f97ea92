// The umbrella module: `import NTMKit` brings in the whole kit.
@_exported import NTMCore
@_exported import NTMAutodiff
@_exported import NTMLayers
@_exported import NTMMemory
@_exported import NTMModels
@_exported import NTMTasks
@_exported import NTMTraining
@_exported import NTMReport
@_exported import NTMArchitectures
@_exported import NTMSweep
