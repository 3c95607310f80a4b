// SPDX-License-Identifier: GPL-3.0-or-later
#include "memory/recycler.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define GA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define GA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define GA_POISON(p, n) ((void)(p), (void)(n))
#define GA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace ga::memory {
namespace {

struct Kept
{
    std::size_t bytes; // 0: not given a size yet
    int count;
    void *blocks[kBlocksPerSize];
};

// Trivially destructible and constant-initialised: reached with no guard and still there while the thread's other
// thread_local objects are destroyed (and may free into it).
struct Cache
{
    Kept sizes[kRecycledSizes];
    bool reaperArmed;
    bool closed; // the thread is ending: blocks go back to operator delete
};
constinit thread_local Cache t_cache {};

// The sized global delete where the compiler has it (GCC from C++14 on; Clang only with -fsized-deallocation before
// version 19, Apple's toolchains among them), else the unsized one.
void deleteBlock(void *block, [[maybe_unused]] std::size_t bytes) noexcept
{
#if defined(__cpp_sized_deallocation)
    ::operator delete(block, bytes);
#else
    ::operator delete(block);
#endif
}

void deleteKept(Cache &cache) noexcept
{
    for (Kept &kept : cache.sizes) {
        for (int i = 0; i < kept.count; ++i) {
            GA_UNPOISON(kept.blocks[i], kept.bytes);
            deleteBlock(kept.blocks[i], kept.bytes);
        }
        kept.count = 0;
    }
}

// Registered on the first block kept: gives the thread's blocks back when it ends.
struct Reaper
{
    Reaper() = default;
    Reaper(const Reaper &) = delete;
    Reaper &operator=(const Reaper &) = delete;
    ~Reaper()
    {
        t_cache.closed = true;
        deleteKept(t_cache);
    }
};

void armReaper()
{
    thread_local Reaper reaper;
    static_cast<void>(&reaper);
}

} // namespace

void *takeBlock(std::size_t bytes)
{
    Cache &cache = t_cache;
    for (Kept &kept : cache.sizes) {
        if (kept.bytes == bytes) {
            if (kept.count > 0) {
                void *block = kept.blocks[--kept.count];
                GA_UNPOISON(block, bytes);
                return block;
            }
            break;
        }
    }
    return ::operator new(bytes);
}

void giveBlock(void *block, std::size_t bytes) noexcept
{
    Cache &cache = t_cache;
    if (block && !cache.closed) {
        // Sizes are given their place in order, so a size with a place is found before the first free one.
        for (Kept &kept : cache.sizes) {
            if (kept.bytes == 0) {
                if (!cache.reaperArmed) {
                    cache.reaperArmed = true;
                    armReaper();
                }
                kept.bytes = bytes;
            }
            if (kept.bytes == bytes) {
                if (kept.count < kBlocksPerSize) {
                    GA_POISON(block, bytes);
                    kept.blocks[kept.count++] = block;
                    return;
                }
                break;
            }
        }
    }
    deleteBlock(block, bytes);
}

void releaseKeptBlocks() noexcept
{
    deleteKept(t_cache);
}

int keptBlocks() noexcept
{
    int n = 0;
    for (const Kept &kept : t_cache.sizes) {
        n += kept.count;
    }
    return n;
}

} // namespace ga::memory
