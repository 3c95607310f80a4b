// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <memory>
#include <new>

// Blocks a thread frees and allocates again at a high rate (a proxied request's exchange, its header lists), kept by
// that thread for its next allocation of the same size instead of going back to malloc. README.md says why.
namespace ga::memory {

// How many sizes a thread keeps blocks of, and how many blocks of each.
inline constexpr int kRecycledSizes = 4;
inline constexpr int kBlocksPerSize = 128;

// A block of `bytes` (aligned as operator new aligns): one this thread gave back, else a new one.
void *takeBlock(std::size_t bytes);
// Gives back a block from takeBlock() (any thread's) or operator new of `bytes`: kept for this thread's next
// takeBlock(bytes) while its size has room, else deleted.
void giveBlock(void *block, std::size_t bytes) noexcept;
// Deletes the blocks this thread keeps (a worker whose burst of connections ended: kept blocks scattered over its
// heap would keep pages resident that malloc_trim could otherwise return). It goes on keeping blocks after.
void releaseKeptBlocks() noexcept;
// Blocks this thread keeps, of all sizes (tests).
int keptBlocks() noexcept;

// A standard allocator whose allocations of up to `Elements` elements are one recycled block of `Elements` (a vector
// reserved to that size, or one that stays below it), larger ones plain operator new.
template<typename T, std::size_t Elements>
struct RecyclingAllocator
{
    using value_type = T;
    RecyclingAllocator() noexcept = default;
    template<typename U>
    RecyclingAllocator(const RecyclingAllocator<U, Elements> &) noexcept
    { }
    template<typename U>
    struct rebind
    {
        using other = RecyclingAllocator<U, Elements>;
    };

    T *allocate(std::size_t n)
    {
        if (n <= Elements) {
            return static_cast<T *>(takeBlock(Elements * sizeof(T)));
        }
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T *p, std::size_t n) noexcept
    {
        if (n <= Elements) {
            giveBlock(p, Elements * sizeof(T));
        } else {
            std::allocator<T>().deallocate(p, n);
        }
    }
    template<typename U>
    bool operator==(const RecyclingAllocator<U, Elements> &) const noexcept
    {
        return true;
    }
};

} // namespace ga::memory
