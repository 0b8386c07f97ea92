// The LSTM cell's element-wise passes for the portable path (see cells_body.inc).
#include <stddef.h>
#define CELL_NAME(x) ntm_##x##_portable
#define VL 4
#include "cells_body.inc"
