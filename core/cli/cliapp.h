// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace ga::cli {

// The whole of `gemini-aggregatord`: parses the command line, runs one command, returns the exit code
// (0 ok, 1 failure, 2 usage). Creates the QCoreApplication itself.
int runCli(int argc, char **argv);

} // namespace ga::cli
