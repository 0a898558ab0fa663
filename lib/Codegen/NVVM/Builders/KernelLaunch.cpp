//===- KernelLaunch.cpp - The launch of a hand-built kernel -----*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Codegen/NVVM/Builders/KernelLaunch.h"
#include "sas/Dialect/SAS/IR/SASDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::sas;

gpu::LaunchOp sas::createKernelLaunch(OpBuilder &b, Operation *op,
                                      StringRef kind, unsigned index,
                                      std::array<Value, 3> grid,
                                      int64_t threads, int64_t sharedBytes,
                                      int64_t minBlocksPerSM) {
  Location loc = op->getLoc();
  b.setInsertionPoint(op);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value threadCount = arith::ConstantIndexOp::create(b, loc, threads);
  Value shared = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(sharedBytes)));
  auto launch = gpu::LaunchOp::create(b, loc, grid[0], grid[1], grid[2],
                                      threadCount, one, one, shared);
  std::string name;
  auto func = op->getParentOfType<FunctionOpInterface>();
  if (func)
    name = func.getName().str() + "_";
  name += (kind + "_" + Twine(index)).str();
  if (minBlocksPerSM && func) {
    NamedAttrList requests;
    if (auto old = func->getAttrOfType<DictionaryAttr>(
            kKernelOccupancyAttrName))
      requests.append(old.getValue());
    requests.set(name, b.getDenseI32ArrayAttr(
                           {static_cast<int32_t>(threads),
                            static_cast<int32_t>(minBlocksPerSM)}));
    func->setAttr(kKernelOccupancyAttrName,
                  requests.getDictionary(b.getContext()));
  }
  auto symbol = FlatSymbolRefAttr::get(b.getContext(), name);
  launch.setFunctionAttr(symbol);
  launch.setModuleAttr(symbol);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

Value sas::createTokenCount(OpBuilder &b, Location loc, Value buffer) {
  return arith::MulIOp::create(b, loc, memref::DimOp::create(b, loc, buffer, 0),
                               memref::DimOp::create(b, loc, buffer, 1));
}

void sas::buildIf(OpBuilder &b, Location loc, Value condition,
                  function_ref<void()> body) {
  auto guard = scf::IfOp::create(b, loc, condition);
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(&guard.getThenRegion().front());
  body();
}

void sas::forEachThreadItem(OpBuilder &b, Location loc, Value tid,
                            int64_t threads, int64_t count,
                            function_ref<void(Value)> body) {
  KernelArith k(b, loc);
  for (int64_t first = 0; first < count; first += threads) {
    Value item = k.addC(tid, first);
    if (first + threads <= count)
      body(item);
    else
      buildIf(b, loc, k.slt(item, k.i32(count)), [&] { body(item); });
  }
}
