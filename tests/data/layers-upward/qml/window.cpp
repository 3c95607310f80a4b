// A GUI source that reaches into the command line (refused by cmake/CheckLayers.cmake with GUI_DIR).
#include "cli/context.h"
