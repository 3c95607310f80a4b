# SPDX-License-Identifier: GPL-3.0-or-later
# Cluster mode (core/cluster) in process: three nodes and a real redis-server the test starts. Included from
# tests/CMakeLists.txt.
ga_add_test(tst_cluster TIMEOUT 120)
