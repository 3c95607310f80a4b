// low/ pointing up at high/: CheckLayers.cmake must refuse it.
#include "high/top.h"
