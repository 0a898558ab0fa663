//===- HostTensor.cpp - Host tensors and .npy files -------------*- C++ -*-===//
//
// Part of the SAS-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "sas/Runner/HostTensor.h"

#include "mlir/Support/LLVM.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::sas;
using llvm::createStringError;

StringRef sas::stringifyStorageType(StorageType type) {
  switch (type) {
  case StorageType::F32:
    return "f32";
  case StorageType::F16:
    return "f16";
  case StorageType::BF16:
    return "bf16";
  }
  llvm_unreachable("unknown storage type");
}

std::optional<StorageType> sas::parseStorageType(StringRef name) {
  return llvm::StringSwitch<std::optional<StorageType>>(name)
      .Case("f32", StorageType::F32)
      .Case("f16", StorageType::F16)
      .Case("bf16", StorageType::BF16)
      .Default(std::nullopt);
}

unsigned sas::getStorageBytes(StorageType type) {
  return type == StorageType::F32 ? 4 : 2;
}

//===----------------------------------------------------------------------===//
// Float conversions (round to nearest even)
//===----------------------------------------------------------------------===//

static uint16_t floatToHalf(float f) {
  uint32_t x = llvm::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t biased = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (biased == 0xff)
    return sign | 0x7c00 | (mant ? 0x200 : 0);
  int32_t exp = static_cast<int32_t>(biased) - 127 + 15;
  if (exp >= 31)
    return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10)
      return sign;
    mant |= 0x800000;
    uint32_t shift = 14 - exp;
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half & 1)))
      ++half;
    return sign | half;
  }
  uint32_t half = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent.
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    ++half;
  return half;
}

static float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31)
    return llvm::bit_cast<float>(sign | 0x7f800000 | (mant << 13));
  return llvm::bit_cast<float>(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

static uint16_t floatToBF16(float f) {
  uint32_t x = llvm::bit_cast<uint32_t>(f);
  if (std::isnan(f))
    return static_cast<uint16_t>((x >> 16) | 0x40);
  x += 0x7fff + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

static float bf16ToFloat(uint16_t b) {
  return llvm::bit_cast<float>(static_cast<uint32_t>(b) << 16);
}

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

int64_t HostTensor::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

float HostTensor::get(int64_t i) const {
  if (type == StorageType::F32) {
    float v;
    std::memcpy(&v, bytes.data() + 4 * i, 4);
    return v;
  }
  uint16_t h;
  std::memcpy(&h, bytes.data() + 2 * i, 2);
  return type == StorageType::F16 ? halfToFloat(h) : bf16ToFloat(h);
}

void HostTensor::set(int64_t i, float value) {
  if (type == StorageType::F32) {
    std::memcpy(bytes.data() + 4 * i, &value, 4);
    return;
  }
  uint16_t h = type == StorageType::F16 ? floatToHalf(value)
                                        : floatToBF16(value);
  std::memcpy(bytes.data() + 2 * i, &h, 2);
}

HostTensor HostTensor::zeros(ArrayRef<int64_t> shape, StorageType type) {
  HostTensor t;
  t.shape.assign(shape.begin(), shape.end());
  t.type = type;
  t.bytes.assign(t.getNumElements() * getStorageBytes(type), 0);
  return t;
}

HostTensor HostTensor::convertTo(StorageType to) const {
  if (to == type)
    return *this;
  HostTensor t = zeros(shape, to);
  for (int64_t i = 0, e = getNumElements(); i < e; ++i)
    t.set(i, get(i));
  return t;
}

void HostTensor::poison() {
  float nan = std::numeric_limits<float>::quiet_NaN();
  for (int64_t i = 0, e = getNumElements(); i < e; ++i)
    set(i, nan);
}

std::string sas::formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

/// The value of `key` in the header dictionary of a .npy file.
static std::optional<StringRef> findHeaderValue(StringRef header,
                                                StringRef key) {
  size_t pos = header.find(("'" + key + "'").str());
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  if (rest.starts_with("("))
    return rest.take_until([](char c) { return c == ')'; }).drop_front();
  if (rest.starts_with("'"))
    return rest.drop_front().take_until([](char c) { return c == '\''; });
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

llvm::Expected<HostTensor> sas::readNpy(StringRef path) {
  auto fileOr = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!fileOr)
    return createStringError(fileOr.getError(), "cannot read '%s': %s",
                             path.str().c_str(),
                             fileOr.getError().message().c_str());
  StringRef data = (*fileOr)->getBuffer();
  auto bad = [&](const Twine &why) {
    return createStringError(std::errc::invalid_argument,
                             "'%s' is not a usable .npy file: %s",
                             path.str().c_str(), why.str().c_str());
  };
  if (data.size() < 10 || !data.starts_with("\x93NUMPY"))
    return bad("no .npy magic string");
  uint8_t major = data[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(data[8]) |
                (static_cast<size_t>(static_cast<uint8_t>(data[9])) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12)
      return bad("truncated header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= static_cast<size_t>(static_cast<uint8_t>(data[8 + i]))
                   << (8 * i);
    headerStart = 12;
  } else {
    return bad("unsupported format version " + Twine(major));
  }
  if (data.size() < headerStart + headerLen)
    return bad("truncated header");
  StringRef header = data.substr(headerStart, headerLen);

  std::optional<StringRef> descr = findHeaderValue(header, "descr");
  std::optional<StringRef> order = findHeaderValue(header, "fortran_order");
  std::optional<StringRef> shapeText = findHeaderValue(header, "shape");
  if (!descr || !order || !shapeText)
    return bad("header lacks descr, fortran_order or shape");
  StorageType type;
  if (*descr == "<f4")
    type = StorageType::F32;
  else if (*descr == "<f2")
    type = StorageType::F16;
  else
    return bad("dtype '" + *descr +
               "' is not little-endian float32 or float16");
  if (*order != "False")
    return bad("Fortran-ordered arrays are not supported");

  SmallVector<int64_t> shape;
  SmallVector<StringRef> dims;
  shapeText->split(dims, ',', -1, /*KeepEmpty=*/false);
  for (StringRef dim : dims) {
    int64_t size;
    if (dim.trim().getAsInteger(10, size) || size < 0)
      return bad("bad shape (" + *shapeText + ")");
    shape.push_back(size);
  }

  // Size the data before allocating anything: a corrupt or hostile header
  // may name sizes whose product overflows or exceeds the file.
  size_t available = data.size() - headerStart - headerLen;
  uint64_t expected = getStorageBytes(type);
  for (int64_t size : shape) {
    bool overflow = false;
    expected = llvm::SaturatingMultiply(expected, static_cast<uint64_t>(size),
                                        &overflow);
    if (overflow)
      return bad("shape " + formatShape(shape) +
                 " has more bytes than 64 bits can count");
  }
  if (available != expected)
    return bad("shape " + formatShape(shape) + " needs " + Twine(expected) +
               " bytes of data, the file has " + Twine(available));
  HostTensor t = HostTensor::zeros(shape, type);
  std::memcpy(t.bytes.data(), data.data() + headerStart + headerLen, expected);
  return t;
}

llvm::Error sas::writeNpyF32(StringRef path, const HostTensor &tensor) {
  HostTensor f32 = tensor.convertTo(StorageType::F32);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (auto [i, d] : llvm::enumerate(f32.shape))
    header += (i ? ", " : "") + std::to_string(d);
  header += f32.shape.size() == 1 ? ",), }" : "), }";
  // Pad so that the data starts on a 64-byte boundary.
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return createStringError(ec, "cannot write '%s': %s", path.str().c_str(),
                             ec.message().c_str());
  os << "\x93NUMPY" << '\x01' << '\x00';
  os << static_cast<char>(header.size() & 0xff)
     << static_cast<char>(header.size() >> 8);
  os << header;
  os.write(reinterpret_cast<const char *>(f32.bytes.data()), f32.bytes.size());
  os.close();
  if (os.has_error())
    return createStringError(os.error(), "cannot write '%s'",
                             path.str().c_str());
  return llvm::Error::success();
}
