//===- WarpgroupMma.h - wgmma on Hopper (sm_90a) ----------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// Builders for warpgroup-level tensor-core products (wgmma.mma_async,
// sm_90a): four warps (128 threads) compute a 64 x N tile. Operands in
// shared memory are given by 64-bit matrix descriptors over tiles stored
// with the 128-byte swizzle:
//
//   a panel is [rows][64 16-bit elements], one 128-byte row each, rows in
//   atoms of 8 (1024 bytes, 1024-aligned); in row r the 16-byte chunk c
//   sits at chunk c ^ (r % 8).
//
// A K-major operand (the product's k index contiguous: q, k, w[N, K]) of
// width 64 * P is P panels; the k16 step s of it starts in panel s / 4, at
// byte 32 * (s % 4) of the rows, with 1024 bytes between 8-row groups. An
// MN-major operand (n contiguous: v [keys, F]) is F / 64 panels along n
// (`leading` bytes apart) whose k16 step s starts at row 16 s.
//
// The accumulator of m64nNk16 holds, in warp w of the group, rows 16 w to
// 16 w + 15 in the layout of N / 8 mma.sync m16n8 accumulator tiles
// (WarpFragments.h), and the register A operand is, per warp, one mma.sync
// m16n8k16 A fragment: the online softmax and p's packing are shared.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_BUILDERS_WARPGROUPMMA_H
#define SAS_CODEGEN_NVVM_BUILDERS_WARPGROUPMMA_H

#include "sas/Codegen/NVVM/Builders/WarpFragments.h"
#include "sas/Codegen/NVVM/SharedMemoryLayout.h"

namespace mlir {
namespace sas {

/// Four-value fragments (a warp's accumulator tiles, or its A fragments) as
/// one flat list, fragment j at values 4j to 4j + 3, as wgmma's accumulator
/// list and loop-carried values are; and back.
SmallVector<Value> flattenTiles(ArrayRef<AccFragment> tiles);
SmallVector<AccFragment> unflattenTiles(ArrayRef<Value> values);
/// A warp's row tiles of fragments, one row tile after the other, and back
/// into `rowTiles` equal parts (loop-carried and branch-yielded values).
SmallVector<Value> flattenRowTiles(ArrayRef<SmallVector<AccFragment>> tiles);
SmallVector<SmallVector<AccFragment>> unflattenRowTiles(ArrayRef<Value> values,
                                                        int64_t rowTiles);

class WarpgroupMmaBuilder : public IntArith {
public:
  WarpgroupMmaBuilder(OpBuilder &b, Location loc) : IntArith(b, loc) {}

  /// The byte offset in a panel of 16-byte chunk `chunk` of row `row` (i32).
  Value swizzledOffset(Value row, Value chunk);
  /// The first 1024-byte-aligned address at or after `shared` (ptr<3>):
  /// swizzled panels start on a swizzle atom. Kernels reserve 1024 bytes
  /// more for it.
  Value alignToSwizzleAtom(Value shared);

  /// The descriptor of a 128-byte-swizzled operand starting at shared
  /// address `address` (ptr<3>): `strideBytes` between 8-row groups,
  /// `leadingBytes` between panels along an MN-major operand's n.
  Value descriptor(Value address, int64_t strideBytes, int64_t leadingBytes);

  /// The descriptor of k16 step `step` of a K-major operand at `tile` whose
  /// panels hold `panelRows` rows each: panel step / 4, byte 32 (step % 4)
  /// of its rows.
  Value kMajorDescriptor(Value tile, int64_t panelRows, int64_t step);
  /// The descriptor of k16 step `step` of an MN-major operand at `tile`
  /// whose panels (along MN) hold `panelRows` rows (k) each: row 16 step of
  /// the first panel.
  Value mnMajorDescriptor(Value tile, int64_t panelRows, int64_t step);

  /// Orders register writes before the next wgmma reads them.
  void fence();
  /// Closes the group of wgmma issued since the last commit.
  void commitGroup();
  /// Waits until at most `pending` committed groups are in flight.
  void waitGroups(int64_t pending);
  /// Returns `values` (i32 or f32) through an empty inline asm that reads
  /// and rewrites them. After the wait for a wgmma that reads or writes
  /// them: LLVM sees a wgmma's register operands as consumed at its issue,
  /// so without this it may give a value computed while the wgmma runs the
  /// register of the wgmma's A operand (ptxas then serializes every wgmma,
  /// C7513) or read the accumulators before the wait. Before a fence: the
  /// values are in their registers there, not moved in after it.
  void holdUntilHere(SmallVectorImpl<Value> &values);
  /// Reads `values` (i32) here in an instruction ptxas must keep: a store,
  /// of their xor, that never runs (it is predicated on the block having
  /// no dynamic shared memory; wgmma kernels always have some). For A
  /// fragments a loop's wgmma reads every iteration and nothing reads
  /// after the loop: ptxas before CUDA 13.3 ends their registers' life at
  /// the loop's last wgmma, ignoring the back edge, and gives them to
  /// values of the same iteration (see the attention's q).
  void keepLiveUntilHere(ArrayRef<Value> values);
  /// Makes shared-memory writes of this thread (cp.async included, once
  /// waited for) visible to wgmma's operand reads.
  void fenceSharedForAsyncProxy();

  /// `count` f32 accumulators a product starts (undefined values): its
  /// first step does not accumulate (`accumulate` false). Zeros would be
  /// moved into the wgmma's registers right before it, after the fence:
  /// a register write the fence does not order (PTX ISA, wgmma.fence).
  SmallVector<Value> newAccumulators(int64_t count);

  /// acc += A B (acc = A B unless `accumulate`) for an m64 x `n` x k16
  /// step, both operands in shared memory, K-major unless `aMNMajor` or
  /// `bMNMajor` says otherwise, bf16 or f16 `element`; `acc` holds n / 2
  /// f32 values.
  void mmaShared(SmallVectorImpl<Value> &acc, Value aDescriptor,
                 Value bDescriptor, Type element, int64_t n,
                 bool accumulate = true, bool aMNMajor = false,
                 bool bMNMajor = false);
  /// acc += A B (acc = A B unless `accumulate`) with A this warp's A
  /// fragment (registers) and B in shared memory, MN-major (v) or, with
  /// `bKMajor`, K-major (w[N, K]).
  void mmaRegisterA(SmallVectorImpl<Value> &acc, const AFragment &a,
                    Value bDescriptor, Type element, int64_t n,
                    bool bKMajor = false, bool accumulate = true);

private:

};

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_BUILDERS_WARPGROUPMMA_H
