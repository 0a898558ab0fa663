//===- SharedMemoryLayout.h - Shared-memory tiles and plans -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
// One definition of each kernel's shared memory. A SharedTile says how a
// tile of 16-bit rows is laid out (padded rows or 128-byte-swizzled panels);
// a kernel's plan places its tiles and gives the total. The launch size, the
// tiling checks and the kernel builders all read the same plan, so they
// cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef SAS_CODEGEN_NVVM_SHAREDMEMORYLAYOUT_H
#define SAS_CODEGEN_NVVM_SHAREDMEMORYLAYOUT_H

#include <cstdint>

namespace mlir {
namespace sas {

/// Bytes of a row of a 128-byte-swizzled panel (64 16-bit columns), and of
/// the swizzle atom (eight such rows) whose alignment wgmma descriptors
/// need.
constexpr int64_t kPanelRowBytes = 128;
constexpr int64_t kPanelColumns = 64;
constexpr int64_t kSwizzleAtomBytes = 1024;
/// Elements of padding after each padded row: 16 bytes shift consecutive
/// rows by four banks, so the eight rows an ldmatrix reads fall in
/// distinct banks.
constexpr int64_t kRowPaddingElements = 8;

/// A tile of `rows` rows of `columns` 16-bit elements in shared memory.
struct SharedTile {
  enum class Layout {
    /// Rows `rowBytes` apart, padded by kRowPaddingElements.
    Padded,
    /// Panels of kPanelColumns columns, one after another, each `rows`
    /// rows of kPanelRowBytes with 16-byte chunks XOR-swizzled by row.
    Swizzled128,
  };

  int64_t rows = 0, columns = 0;
  Layout layout = Layout::Padded;

  static SharedTile padded(int64_t rows, int64_t columns) {
    return {rows, columns, Layout::Padded};
  }
  static SharedTile swizzled(int64_t rows, int64_t columns) {
    return {rows, columns, Layout::Swizzled128};
  }

  /// Bytes from one row to the next (within a panel, when swizzled).
  int64_t rowBytes() const {
    return layout == Layout::Padded ? (columns + kRowPaddingElements) * 2
                                    : kPanelRowBytes;
  }
  /// Bytes of one panel of a swizzled tile.
  int64_t panelBytes() const { return rows * kPanelRowBytes; }
  /// Panels of a swizzled tile; a last partial one takes a whole panel.
  int64_t panels() const {
    return (columns + kPanelColumns - 1) / kPanelColumns;
  }
  /// Bytes of the whole tile.
  int64_t bytes() const {
    return layout == Layout::Padded ? rows * rowBytes()
                                    : panels() * panelBytes();
  }
};

/// Places buffers one after another, each at a multiple of its alignment.
class SharedMemoryPlan {
public:
  /// Reserves `bytes` at the next multiple of `align`; returns the offset.
  int64_t allocate(int64_t bytes, int64_t align = 16) {
    size = (size + align - 1) / align * align;
    int64_t offset = size;
    size += bytes;
    return offset;
  }
  /// Bytes in all, plus `slack` where the base is aligned at run time.
  int64_t getSize() const { return size + slack; }
  /// The base of dynamic shared memory is only 16-byte aligned; plans of
  /// swizzled tiles align it to kSwizzleAtomBytes at run time and reserve
  /// as much.
  void reserveAlignmentSlack() { slack = kSwizzleAtomBytes; }

private:
  int64_t size = 0, slack = 0;
};

//===----------------------------------------------------------------------===//
// The kernels' plans
//===----------------------------------------------------------------------===//

/// The attention kernels' ring: `stages` slots of a k tile and a v tile of
/// `keyTile` keys. mma.sync: padded rows; sm_90a (wgmma): swizzled panels,
/// the base aligned to the swizzle atom.
struct AttentionSharedPlan {
  AttentionSharedPlan(int64_t e, int64_t f, int64_t keyTile, int64_t stages,
                      bool wgmma);
  SharedTile key, value;
  /// Offset of a slot's v tile from the slot, and bytes of a slot.
  int64_t valueOffset, stageBytes;
  SharedMemoryPlan plan;
};

/// The attention backward (mma.sync): a block's `keys` rows of k and v
/// for the whole kernel; dA^T (a row a key, a column a query: what the
/// block's warps share to form d_q); then two stages of a query block of
/// `queries` rows (the next block's copies run while this one is used):
/// q, d_o, and the rows' log-sum-exp and delta (f32; the log-sum-exp in
/// the exp2 domain). Offsets within a stage are from the stage's start.
/// mma.sync: padded rows; sm_90a (wgmma): swizzled panels, each tile on a
/// swizzle atom, the base aligned to one at run time.
struct AttentionGradSharedPlan {
  static constexpr int64_t kQueryStages = 2;
  AttentionGradSharedPlan(int64_t e, int64_t f, int64_t keys, int64_t queries,
                          bool wgmma);
  SharedTile key, value, query, gradOut, scoresGrad;
  int64_t valueOffset, scoresGradOffset, firstStageOffset, stageBytes;
  int64_t gradOutOffset, lseOffset, deltaOffset; // in a stage
  SharedMemoryPlan plan;
};

/// Head simulation: both convolutions' weights (K taps of [H', H] and
/// [H', H'], H and H' rounded up to 16, a row an output channel), then the
/// inputs and relu(Y) of a group's tokens (D + K - 1 positions a token,
/// zero-padded, a row a position), then each warp's stage where it writes
/// its result 16 bytes a lane.
struct HeadSimSharedPlan {
  HeadSimSharedPlan(int64_t heads, int64_t simHeads, int64_t dim,
                    int64_t kernel, int64_t warps);
  SharedTile weights, resWeights, inputs, relus;
  int64_t resWeightsOffset, inputsOffset, relusOffset, stagesOffset;
  /// Bytes of a warp's stage (0: the warps store straight to memory).
  int64_t stageBytes;
  SharedMemoryPlan plan;
};

/// The head simulation's gradient: the forward's weights; then, a token
/// group's rows like the forward's inputs: x, d_S (the result's gradient),
/// relu(Y) and d_Y; then each warp's stage, where it writes d_x 16 bytes a
/// lane.
struct HeadSimGradSharedPlan {
  HeadSimGradSharedPlan(int64_t heads, int64_t simHeads, int64_t dim,
                        int64_t kernel, int64_t warps);
  SharedTile weights, resWeights, inputs, simRows;
  /// Offsets of the res weights and of the x, d_S, relu(Y), d_Y and stage
  /// areas (simRows tiles but x).
  int64_t resWeightsOffset, inputsOffset, gradsOffset, relusOffset,
      rowGradsOffset, stagesOffset;
  int64_t stageBytes;
  SharedMemoryPlan plan;
};

/// Feature simulation. mma.sync: both weights in padded rows. sm_90a: both
/// weights and a ring of kWgmmaFeatureSimStages slots of x rows (a
/// swizzled 64-row tile a warpgroup), the base aligned to the swizzle atom.
struct FeatureSimSharedPlan {
  FeatureSimSharedPlan(int64_t dim, int64_t simDim, int64_t warps, bool wgmma);
  SharedTile weights, resWeights, groupRows;
  int64_t resWeightsOffset, ringOffset = 0, slotBytes = 0;
  SharedMemoryPlan plan;
};

/// The weight gradient's ring (sas.mma_weight_grad): kWeightGradStages
/// slots of kWeightGradStepRows rows of `grad` ([rows, pTile]) and of
/// `input` ([rows, qTile]), padded rows, read transposed by ldmatrix.
struct WeightGradSharedPlan {
  WeightGradSharedPlan(int64_t pTile, int64_t qTile);
  SharedTile grad, input;
  int64_t inputOffset, stageBytes;
  SharedMemoryPlan plan;
};

/// PEAA's ring: `stages` slots of an A tile ([rows, G * kTile], padded; a
/// whole number of swizzle atoms for wgmma) and a w tile ([columnTile,
/// kTile]: padded, or one swizzled panel for wgmma).
struct PeaaSharedPlan {
  PeaaSharedPlan(int64_t groups, int64_t rows, int64_t columnTile,
                 int64_t kTile, int64_t stages, bool wgmma);
  SharedTile a, w;
  int64_t wOffset, stageBytes;
  SharedMemoryPlan plan;
};

} // namespace sas
} // namespace mlir

#endif // SAS_CODEGEN_NVVM_SHAREDMEMORYLAYOUT_H
