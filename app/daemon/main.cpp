// SPDX-License-Identifier: GPL-3.0-or-later
// gemini-aggregatord: the headless daemon and command-line tool.
#include "cli/cliapp.h"

int main(int argc, char **argv)
{
    return ga::cli::runCli(argc, argv);
}
