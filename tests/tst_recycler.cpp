// SPDX-License-Identifier: GPL-3.0-or-later
// core/memory/recycler.h: blocks a thread frees, kept for its next allocation of that size; bounded; given back
// when the thread ends.
#include "http/headers.h"
#include "memory/recycler.h"

#include <QObject>
#include <QTest>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <thread>
#include <vector>

using ga::memory::giveBlock;
using ga::memory::keptBlocks;
using ga::memory::takeBlock;

namespace {

// Deletes of blocks of this size are counted (the sizes below are used by nothing else in the test).
constexpr std::size_t kCounted = 4099;
std::atomic<int> g_countedDeletes { 0 };

// Three blocks of the counted size taken and given back on this thread.
void keepThreeCounted()
{
    void *blocks[3] = { takeBlock(kCounted), takeBlock(kCounted), takeBlock(kCounted) };
    for (void *b : blocks) {
        giveBlock(b, kCounted);
    }
}

// Each case runs on a thread of its own: a fresh cache, and the thread's end is part of what is checked.
void onFreshThread(const std::function<void()> &body)
{
    std::thread t(body);
    t.join();
}

} // namespace

// Sized deletes of the counted size are counted; everything else as the library does it.
void operator delete(void *p, std::size_t bytes) noexcept
{
    if (bytes == kCounted) {
        g_countedDeletes.fetch_add(1);
    }
    std::free(p);
}
void operator delete(void *p) noexcept
{
    std::free(p);
}
void *operator new(std::size_t bytes)
{
    if (void *p = std::malloc(bytes ? bytes : 1)) {
        return p;
    }
    throw std::bad_alloc();
}

class TestRecycler : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
#if !defined(__cpp_sized_deallocation)
        QSKIP("the deletes are counted by size: this compiler has no sized global delete (-fsized-deallocation)");
#endif
    }
    void aGivenBlockIsTakenAgain();
    void eachSizeKeepsABoundedNumber();
    void onlySoManySizesAreKept();
    void blocksGoBackWhenTheThreadEnds();
    void keptBlocksCanBeReleased();
    void aBlockGivenElsewhereStaysThere();
    void headerListsOfAUsualHeadAreRecycled();
};

void TestRecycler::aGivenBlockIsTakenAgain()
{
    onFreshThread([] {
        void *a = takeBlock(kCounted);
        void *b = takeBlock(kCounted);
        QVERIFY(a && b && a != b);
        QCOMPARE(keptBlocks(), 0);
        giveBlock(a, kCounted);
        giveBlock(b, kCounted);
        QCOMPARE(keptBlocks(), 2);
        QCOMPARE(g_countedDeletes.load(), 0); // kept, not deleted
        // Last given, first taken (the one most likely still in the caches).
        QCOMPARE(takeBlock(kCounted), b);
        QCOMPARE(takeBlock(kCounted), a);
        QCOMPARE(keptBlocks(), 0);
        void *fresh = takeBlock(kCounted);
        QVERIFY(fresh != a && fresh != b);
        // Another size is not served from these.
        giveBlock(a, kCounted);
        void *other = takeBlock(kCounted + 1);
        QVERIFY(other != a);
        QCOMPARE(keptBlocks(), 1);
        giveBlock(other, kCounted + 1);
        giveBlock(b, kCounted);
        giveBlock(fresh, kCounted);
    });
    g_countedDeletes = 0;
}

void TestRecycler::eachSizeKeepsABoundedNumber()
{
    g_countedDeletes = 0;
    onFreshThread([] {
        std::vector<void *> blocks;
        for (int i = 0; i < ga::memory::kBlocksPerSize + 5; ++i) {
            blocks.push_back(takeBlock(kCounted));
        }
        for (void *b : blocks) {
            giveBlock(b, kCounted);
        }
        QCOMPARE(keptBlocks(), ga::memory::kBlocksPerSize);
        QCOMPARE(g_countedDeletes.load(), 5); // past the bound: deleted at once
    });
    QCOMPARE(g_countedDeletes.load(), ga::memory::kBlocksPerSize + 5);
}

void TestRecycler::onlySoManySizesAreKept()
{
    g_countedDeletes = 0;
    onFreshThread([] {
        // The first sizes given take the places; the counted one comes after them and is deleted at once.
        std::vector<void *> others;
        for (int i = 0; i < ga::memory::kRecycledSizes; ++i) {
            others.push_back(takeBlock(std::size_t(64 + 16 * i)));
        }
        for (int i = 0; i < ga::memory::kRecycledSizes; ++i) {
            giveBlock(others[size_t(i)], std::size_t(64 + 16 * i));
        }
        QCOMPARE(keptBlocks(), ga::memory::kRecycledSizes);
        giveBlock(takeBlock(kCounted), kCounted);
        QCOMPARE(keptBlocks(), ga::memory::kRecycledSizes);
        QCOMPARE(g_countedDeletes.load(), 1);
        // A size with a place is still kept.
        void *again = takeBlock(64);
        QCOMPARE(keptBlocks(), ga::memory::kRecycledSizes - 1);
        giveBlock(again, 64);
        QCOMPARE(keptBlocks(), ga::memory::kRecycledSizes);
    });
}

void TestRecycler::blocksGoBackWhenTheThreadEnds()
{
    g_countedDeletes = 0;
    onFreshThread([] {
        keepThreeCounted();
        QCOMPARE(keptBlocks(), 3);
        QCOMPARE(g_countedDeletes.load(), 0);
    });
    QCOMPARE(g_countedDeletes.load(), 3);
}

// A worker whose burst ended lets its kept blocks go (before malloc_trim), and keeps blocks again afterwards.
void TestRecycler::keptBlocksCanBeReleased()
{
    g_countedDeletes = 0;
    onFreshThread([] {
        keepThreeCounted();
        QCOMPARE(keptBlocks(), 3);
        ga::memory::releaseKeptBlocks();
        QCOMPARE(keptBlocks(), 0);
        QCOMPARE(g_countedDeletes.load(), 3);
        void *again = takeBlock(kCounted);
        giveBlock(again, kCounted);
        QCOMPARE(keptBlocks(), 1);
        QCOMPARE(takeBlock(kCounted), again);
        giveBlock(again, kCounted);
    });
    QCOMPARE(g_countedDeletes.load(), 4);
}

void TestRecycler::aBlockGivenElsewhereStaysThere()
{
    g_countedDeletes = 0;
    void *made = nullptr;
    onFreshThread([&made] { made = takeBlock(kCounted); });
    // Given back on another thread: kept by that one while it runs, deleted when it ends.
    onFreshThread([made] {
        giveBlock(made, kCounted);
        QCOMPARE(keptBlocks(), 1);
        QCOMPARE(takeBlock(kCounted), made);
        giveBlock(made, kCounted);
    });
    QCOMPARE(g_countedDeletes.load(), 1);
    QCOMPARE(keptBlocks(), 0); // this thread took none of it
}

void TestRecycler::headerListsOfAUsualHeadAreRecycled()
{
    onFreshThread([] {
        const void *first = nullptr;
        {
            ga::http::HeaderList headers;
            headers.reserve(ga::http::kUsualHeaderCount);
            headers.push_back({ "Host", "example" });
            first = headers.data();
        }
        QCOMPARE(keptBlocks(), 1);
        {
            // A shorter list takes the same block (room for 16): the next head, whatever its size up to 16.
            ga::http::HeaderList headers;
            headers.reserve(3);
            QCOMPARE(static_cast<const void *>(headers.data()), first);
            QCOMPARE(keptBlocks(), 0);
            headers.push_back({ "Host", "example" });
            headers.reserve(17); // past 16: a list of its own size from the heap, the block given back
            QVERIFY(static_cast<const void *>(headers.data()) != first);
            QCOMPARE(keptBlocks(), 1);
            for (int i = 0; i < 16; ++i) {
                headers.push_back({ "X-Field", QByteArray::number(i) });
            }
            QCOMPARE(headers.size(), size_t(17));
            QCOMPARE(headers[0].value, QByteArray("example"));
            QCOMPARE(headers[16].value, QByteArray("15"));
        }
        QCOMPARE(keptBlocks(), 1); // the long list was not kept
    });
}

QTEST_GUILESS_MAIN(TestRecycler)
#include "tst_recycler.moc"
