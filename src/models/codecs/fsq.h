// Finite scalar quantization lives in the public header almkit/quantizers.h
// (FiniteScalarQuantizer); this file exists so that codecs find it beside rvq.h.
#pragma once

#include "almkit/quantizers.h"
