// The layer above low/.
#pragma once
