// A layer blob decoded in two native threads (src/image/layer/decode-native.ts): the inflate
// thread reads the blob (pread on the caller's fd), hashes it for the layer digest and inflates
// it with ISA-L (or passes it through when uncompressed) into the caller's ring of buffers; the
// verify thread hashes each filled buffer for the diff_id and hands it to JavaScript. Neither
// runs JavaScript: the main thread takes ready buffers, gives them back when done with them,
// and is woken by a thread-safe function when it waits.
//
// Why threads of our own: a worker thread (an isolate, Node's bootstrap, its module loading)
// cost ~60 ms before the first byte and ~0.1 s of CPU per unpack in message passing and JS
// around the hashing and inflating, on a 2-core machine where the main thread's file creation
// needs the other core (bench/unpack.ts).
//
// Semantics kept from the worker (decode-worker.ts): gzip members follow one another as
// node:zlib reads them (after a member, a zero byte ends the data and the rest is padding;
// anything else is the next member), input ending inside a member is "unexpected end of file";
// a blob longer than its descriptor's size stops at once; after an inflate error the rest of
// the blob is still read and hashed, so a corrupt blob is reported by its digest. Output is
// only produced into free ring buffers, so a decompression bomb stays bounded by the ring.
// The digests and the verdicts are compared by the caller (decode-native.ts), which words the
// errors as every other path does.
#include "layer_decoder.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "errors.h"
#include "inflate.h"

#if __has_include(<isa-l/igzip_lib.h>)
#include <isa-l/igzip_lib.h>
#define HULL_HAVE_ISAL 1
#endif

namespace hull {
namespace {

// What stopped the inflate thread early, for the caller to word (decode-native.ts).
enum Failure : int {
  kNone = 0,
  kReadErrno = 1,    // pread failed: code = errno
  kTooLong = 2,      // the blob has more bytes than its descriptor's size
  kInflate = 3,      // ISA-L returned an error: code = its rc (< 0)
  kTruncated = 4,    // the input ended inside a gzip member
  kNoProgress = 5,   // ISA-L took no input and gave no output: invalid data
  kInternal = 6,     // a digest could not be computed (OpenSSL)
};

struct Ready {
  int idx;
  size_t len;
  // Blob bytes read when the buffer was filled: a mapped blob is hashed that far before it.
  uint64_t blobPos;
};

std::string Hex(const unsigned char* p, unsigned n) {
  static const char* digits = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (unsigned i = 0; i < n; i++) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  return s;
}

class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(md ? EVP_MD_CTX_new() : nullptr) {
    ok_ = ctx_ && EVP_DigestInit_ex(ctx_, md, nullptr) == 1;
  }
  ~Digest() {
    if (ctx_) EVP_MD_CTX_free(ctx_);
  }
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  bool ok() const { return ok_; }
  void Update(const uint8_t* p, size_t n) {
    if (ok_ && n) ok_ = EVP_DigestUpdate(ctx_, p, n) == 1;
  }
  // The hex digest, or "" when OpenSSL failed.
  std::string Final() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_, md, &n) != 1) return "";
    return Hex(md, n);
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

class Decoder {
 public:
  Decoder(int fd, bool gzip, const EVP_MD* blobMd, const EVP_MD* diffMd, int64_t blobSize, size_t readSize,
          std::vector<uint8_t*> bufs, size_t bufLen)
      : fd_(fd),
        gzip_(gzip),
        blobSize_(blobSize),
        readSize_(readSize),
        bufs_(std::move(bufs)),
        bufLen_(bufLen),
        blobHash_(blobMd),
        diffHash_(diffMd),
        hasDiff_(diffMd != nullptr) {
    for (size_t i = 0; i < bufs_.size(); i++) free_.push_back(static_cast<int>(i));
  }

  ~Decoder() { Stop(); }

  void Start(Napi::ThreadSafeFunction tsfn, bool map) {
    tsfn_ = tsfn;
    if (gzip_ && map) MapBlob();
    inflater_ = std::thread([this] { RunInflate(); });
    verifier_ = std::thread([this] { RunVerify(); });
  }

  // Main thread: cancels (if still running) and waits for both threads; idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancel_ = true;
    }
    freeCv_.notify_all();
    filledCv_.notify_all();
    if (inflater_.joinable()) inflater_.join();
    if (verifier_.joinable()) verifier_.join();
    UnmapBlob();
    std::lock_guard<std::mutex> lock(mu_);
    ReleaseLocked();
  }

  // Main thread. >= 0: a ready buffer's index (its length in *len); -1: none yet (the notify
  // function will be called when there is); -2: all of it was handed out and verified; -3: failed.
  int Take(size_t* len) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure_ != kNone) return -3;
    if (!ready_.empty()) {
      Ready r = ready_.front();
      ready_.pop_front();
      *len = r.len;
      return r.idx;
    }
    if (done_) return -2;
    waiting_ = true;
    return -1;
  }

  void Give(int idx) {
    if (idx < 0 || static_cast<size_t>(idx) >= bufs_.size()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(idx);
    }
    freeCv_.notify_one();
  }

  // Main thread, after Take returned -2 or -3 (both threads have then stopped).
  Napi::Object Result(Napi::Env env) {
    std::lock_guard<std::mutex> lock(mu_);
    Napi::Object o = Napi::Object::New(env);
    o.Set("failure", static_cast<int>(failure_));
    o.Set("code", code_);
    o.Set("blobBytes", static_cast<double>(blobBytes_));
    o.Set("blobDigest", blobHex_);
    if (hasDiff_) o.Set("diffDigest", diffHex_);
    if (failure_ == kReadErrno) o.Set("errnoMessage", strerror(code_));
    return o;
  }

 private:
  // Called with mu_ held: wakes a waiting consumer, and at the end lets the loop go.
  void NotifyLocked(bool final) {
    if (released_) return;
    if (waiting_ || final) {
      waiting_ = false;
      tsfn_.NonBlockingCall([final](Napi::Env env, Napi::Function fn) {
        // The environment may be going away (a worker terminated): nothing to tell then.
        if (static_cast<napi_env>(env) != nullptr && !fn.IsEmpty()) fn.Call({Napi::Boolean::New(env, final)});
      });
    }
    if (final) ReleaseLocked();
  }

  void ReleaseLocked() {
    if (released_ || !tsfn_) return;
    released_ = true;
    tsfn_.Release();
  }

  // A free buffer, or -1 when cancelled.
  int AcquireFree() {
    std::unique_lock<std::mutex> lock(mu_);
    freeCv_.wait(lock, [this] { return cancel_ || !free_.empty(); });
    if (cancel_) return -1;
    int idx = free_.front();
    free_.pop_front();
    return idx;
  }

  void PushFilled(int idx, size_t len) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      filled_.push_back({idx, len, blobBytes_});
    }
    filledCv_.notify_one();
  }

  // Maps the blob when it is a regular file: inflate and hash then read the page cache in
  // place, without pread's copy of every compressed byte (~40 ms of CPU for the debian bench's
  // 51 MB layer), and the verify thread hashes it, off the inflate thread that bounds how fast
  // a layer comes. Anything else (or a failed mmap) is read with pread into in_ and hashed by
  // the inflate thread. Called before the threads start; unmapped once both have stopped.
  // (A blob truncated in place while mapped would fault the reader; blobs are immutable: hull
  // writes them by temp + rename and removes them by unlink, which leave a mapping intact.)
  void MapBlob() {
    struct stat st;
    if (fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return;
    void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return;
    madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
    map_ = static_cast<const uint8_t*>(p);
    mapLen_ = static_cast<size_t>(st.st_size);
  }

  void UnmapBlob() {
    if (map_) munmap(const_cast<uint8_t*>(map_), mapLen_);
    map_ = nullptr;
  }

  // The next piece of the blob (at most readSize_ bytes) into inBuf_/inLen_, hashed; false on a
  // read error or a blob longer than its descriptor's size.
  bool ReadMore() {
    size_t n;
    if (map_) {
      n = filePos_ < mapLen_ ? std::min(readSize_, static_cast<size_t>(mapLen_ - filePos_)) : 0;
      inBuf_ = map_ + filePos_;
    } else {
      ssize_t r;
      do r = pread(fd_, in_.data(), readSize_, static_cast<off_t>(filePos_));
      while (r < 0 && errno == EINTR);
      if (r < 0) return Fail(kReadErrno, errno);
      n = static_cast<size_t>(r);
      inBuf_ = in_.data();
    }
    inPos_ = 0;
    inLen_ = n;
    if (n == 0) {
      eof_ = true;
      return true;
    }
    filePos_ += n;
    blobBytes_ += n;
    if (blobSize_ >= 0 && blobBytes_ > static_cast<uint64_t>(blobSize_)) return Fail(kTooLong, 0);
    if (!map_) blobHash_.Update(inBuf_, inLen_);
    return true;
  }

  bool Fail(Failure f, int code) {
    pendingFailure_ = f;
    pendingCode_ = code;
    return false;
  }

  // After an inflate failure: the rest of the blob still counts for its digest and size.
  void Drain() {
    // A read error or a blob too long replaces the inflate failure (ReadMore sets it).
    while (!eof_ && !Cancelled())
      if (!ReadMore()) return;
  }

  bool Cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancel_;
  }

  void RunInflate() {
    bool ok = blobHash_.ok() && (!hasDiff_ || diffHash_.ok());
    if (gzip_ && !map_) in_.resize(readSize_);  // (an uncompressed blob is read into the ring)
    if (!ok) Fail(kInternal, 0);
    else if (gzip_) ok = InflateGzip();
    else ok = CopyPlain();
    if (!ok && (pendingFailure_ == kInflate || pendingFailure_ == kTruncated || pendingFailure_ == kNoProgress))
      Drain();
    // A mapped blob's digest is the verify thread's to finish.
    std::string hex = !map_ && (pendingFailure_ == kNone || pendingFailure_ == kInflate ||
                                pendingFailure_ == kTruncated || pendingFailure_ == kNoProgress)
                          ? blobHash_.Final()
                          : "";
    {
      std::lock_guard<std::mutex> lock(mu_);
      blobHex_ = hex;
      if (!map_ && pendingFailure_ == kNone && hex.empty() && !cancel_) pendingFailure_ = kInternal;
      inflateDone_ = true;
      inflateFailure_ = pendingFailure_;
      inflateCode_ = pendingCode_;
    }
    filledCv_.notify_all();
  }

  bool CopyPlain() {
    for (;;) {
      int cur = AcquireFree();
      if (cur < 0) return true;
      ssize_t n;
      do n = pread(fd_, bufs_[cur], bufLen_, static_cast<off_t>(filePos_));
      while (n < 0 && errno == EINTR);
      if (n < 0) return Fail(kReadErrno, errno);
      if (n == 0) {
        Give(cur);
        return true;
      }
      filePos_ += static_cast<uint64_t>(n);
      blobBytes_ += static_cast<uint64_t>(n);
      blobHash_.Update(bufs_[cur], static_cast<size_t>(n));
      if (blobSize_ >= 0 && blobBytes_ > static_cast<uint64_t>(blobSize_)) return Fail(kTooLong, 0);
      PushFilled(cur, static_cast<size_t>(n));
    }
  }

#ifdef HULL_HAVE_ISAL
  bool InflateGzip() {
    const IsalInflateApi* api = IsalInflate();
    if (!api) return Fail(kInternal, 0);
    struct inflate_state st;
    // Parse each member's gzip header and check its trailer's CRC-32 and size (RFC 1952).
    api->init(&st);
    st.crc_flag = ISAL_GZIP;
    int cur = -1;
    size_t outPos = 0;
    for (;;) {
      if (cur < 0) {
        cur = AcquireFree();
        if (cur < 0) return true;  // cancelled: nobody reads the verdict
        outPos = 0;
      }
      if (inPos_ == inLen_ && !eof_ && !ReadMore()) return false;
      if (inPos_ == inLen_ && eof_) return Fail(kTruncated, 0);
      st.next_in = const_cast<uint8_t*>(inBuf_ + inPos_);
      st.avail_in = static_cast<uint32_t>(inLen_ - inPos_);
      st.next_out = bufs_[cur] + outPos;
      st.avail_out = static_cast<uint32_t>(bufLen_ - outPos);
      int rc = api->inflate(&st);
      size_t consumed = static_cast<size_t>(st.next_in - (inBuf_ + inPos_));
      size_t produced = static_cast<size_t>(st.next_out - (bufs_[cur] + outPos));
      inPos_ += consumed;
      outPos += produced;
      if (rc < 0) return Fail(kInflate, rc);
      bool finished = st.block_state == ISAL_BLOCK_FINISH;
      if (outPos == bufLen_) {
        PushFilled(cur, outPos);
        cur = -1;
      }
      if (finished) {
        // A member ended (ISA-L checked its CRC-32 and size). Another may follow.
        if (inPos_ == inLen_ && !eof_ && !ReadMore()) return false;
        if (inPos_ < inLen_ && inBuf_[inPos_] != 0x00) {
          api->init(&st);
          st.crc_flag = ISAL_GZIP;
          continue;
        }
        if (cur >= 0) {
          if (outPos > 0) PushFilled(cur, outPos);
          else Give(cur);
        }
        // Whatever follows the last member (zero padding) still counts for the blob's digest and size.
        while (!eof_)
          if (!ReadMore()) return false;
        return true;
      }
      if (produced == 0 && consumed == 0 && inPos_ < inLen_) return Fail(kNoProgress, 0);
    }
  }
#else
  bool InflateGzip() { return Fail(kInternal, 0); }
#endif

  // A mapped blob's bytes [blobHashed_, upTo) into its digest (the verify thread's, see MapBlob).
  void HashMapTo(uint64_t upTo) {
    if (!map_ || upTo <= blobHashed_) return;
    blobHash_.Update(map_ + blobHashed_, static_cast<size_t>(upTo - blobHashed_));
    blobHashed_ = upTo;
  }

  void RunVerify() {
    for (;;) {
      Ready r;
      {
        std::unique_lock<std::mutex> lock(mu_);
        filledCv_.wait(lock, [this] { return cancel_ || !filled_.empty() || inflateDone_; });
        if (cancel_) return;
        if (filled_.empty() || inflateFailure_ != kNone) {
          // The inflate thread is done: verified to the end, or failed (no more data is handed
          // out; a mapped blob is still hashed to its end, to tell a corrupt blob).
          Failure f = inflateFailure_;
          uint64_t read = blobBytes_;
          lock.unlock();
          std::string blobHex, diffHex;
          if (map_ && (f == kNone || f == kInflate || f == kTruncated || f == kNoProgress)) {
            HashMapTo(read);
            blobHex = blobHash_.Final();
            if (blobHex.empty()) f = kInternal;
          }
          if (f == kNone && hasDiff_) {
            diffHex = diffHash_.Final();
            if (diffHex.empty()) f = kInternal;
          }
          lock.lock();
          if (map_) blobHex_ = blobHex;
          diffHex_ = diffHex;
          failure_ = f;
          code_ = inflateCode_;
          done_ = true;
          NotifyLocked(true);
          return;
        }
        r = filled_.front();
        filled_.pop_front();
      }
      HashMapTo(r.blobPos);
      if (hasDiff_) diffHash_.Update(bufs_[r.idx], r.len);
      std::lock_guard<std::mutex> lock(mu_);
      ready_.push_back(r);
      NotifyLocked(false);
    }
  }

  // Configuration (fixed after construction).
  const int fd_;
  const bool gzip_;
  const int64_t blobSize_;
  const size_t readSize_;
  const std::vector<uint8_t*> bufs_;
  const size_t bufLen_;

  // The blob's digest: the verify thread's when the blob is mapped, else the inflate thread's.
  Digest blobHash_;
  const uint8_t* map_ = nullptr;
  size_t mapLen_ = 0;
  uint64_t blobHashed_ = 0;  // verify thread

  // The inflate thread's own state.
  std::vector<uint8_t> in_;
  const uint8_t* inBuf_ = nullptr;
  size_t inPos_ = 0;
  size_t inLen_ = 0;
  bool eof_ = false;
  uint64_t filePos_ = 0;
  // The verify thread reads it in a Ready (copied under mu_) or once the inflate thread is done.
  uint64_t blobBytes_ = 0;
  Failure pendingFailure_ = kNone;
  int pendingCode_ = 0;

  // The verify thread's own state.
  Digest diffHash_;
  const bool hasDiff_;

  // Shared, under mu_.
  std::mutex mu_;
  std::condition_variable freeCv_;
  std::condition_variable filledCv_;
  std::deque<int> free_;
  std::deque<Ready> filled_;
  std::deque<Ready> ready_;
  bool cancel_ = false;
  bool inflateDone_ = false;
  Failure inflateFailure_ = kNone;
  int inflateCode_ = 0;
  bool done_ = false;
  Failure failure_ = kNone;
  int code_ = 0;
  bool waiting_ = false;
  bool released_ = false;
  std::string blobHex_;
  std::string diffHex_;

  Napi::ThreadSafeFunction tsfn_;
  std::thread inflater_;
  std::thread verifier_;
};

// The decoder and the buffers it writes into, kept alive together by the handle.
struct Handle {
  Decoder* decoder = nullptr;
  std::vector<Napi::ObjectReference> buffers;
  ~Handle() {
    delete decoder;  // stops and joins its threads first
  }
};

Handle* Unwrap(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(info.Env(), "layer decoder: handle expected").ThrowAsJavaScriptException();
    return nullptr;
  }
  return info[0].As<Napi::External<Handle>>().Data();
}

const EVP_MD* DigestNamed(const Napi::Value& v) {
  if (!v.IsString()) return nullptr;
  std::string name = v.As<Napi::String>();
  if (name == "sha256") return EVP_sha256();
  if (name == "sha512") return EVP_sha512();
  return nullptr;
}

}  // namespace

// layerDecoderNew(fd, gzip, blobAlgorithm, diffAlgorithm | null, blobSize (-1: unknown), readSize,
//                 buffers: Buffer[], notify: (final) => void) -> handle; both threads start at
//                 once. notify is called when a buffer is ready for a consumer that waits, and
//                 once with final = true when both threads are done. [, map = true]: false
//                 reads a gzip blob with pread, the fallback for blobs that cannot be mapped.
Napi::Value LayerDecoderNew(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!ArgsOk(info, 8)) return env.Undefined();
  if (!info[0].IsNumber() || !info[4].IsNumber() || !info[5].IsNumber() || !info[6].IsArray() ||
      !info[7].IsFunction()) {
    Napi::TypeError::New(env, "layerDecoderNew(fd, gzip, blobAlg, diffAlg, blobSize, readSize, buffers, notify)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool gzip = info[1].ToBoolean();
  const EVP_MD* blobMd = DigestNamed(info[2]);
  const EVP_MD* diffMd = info[3].IsNull() ? nullptr : DigestNamed(info[3]);
  if (!blobMd || (!info[3].IsNull() && !diffMd)) {
    Napi::TypeError::New(env, "layerDecoderNew: digest algorithm must be sha256 or sha512").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (gzip && !IsalInflate()) {
    Napi::Error::New(env, "layerDecoderNew: ISA-L (libisal.so.2) is not available").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t blobSize = info[4].As<Napi::Number>().Int64Value();
  int64_t readSize = info[5].As<Napi::Number>().Int64Value();
  Napi::Array arr = info[6].As<Napi::Array>();
  if (readSize <= 0 || readSize > (1 << 30) || arr.Length() == 0 || arr.Length() > 1024) {
    Napi::RangeError::New(env, "layerDecoderNew: readSize or buffer count out of range").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* handle = new Handle();
  std::vector<uint8_t*> bufs;
  size_t bufLen = 0;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsBuffer()) {
      delete handle;
      Napi::TypeError::New(env, "layerDecoderNew: buffers must be Buffers").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto b = v.As<Napi::Buffer<uint8_t>>();
    if (i == 0) bufLen = b.Length();
    if (b.Length() != bufLen || bufLen == 0 || bufLen > 0x7fffffff) {
      delete handle;
      Napi::RangeError::New(env, "layerDecoderNew: buffers must be of one non-zero size").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    bufs.push_back(b.Data());
    handle->buffers.push_back(Napi::Persistent(b.As<Napi::Object>()));
  }
  handle->decoder =
      new Decoder(fd, gzip, blobMd, diffMd, blobSize, static_cast<size_t>(readSize), std::move(bufs), bufLen);
  auto tsfn = Napi::ThreadSafeFunction::New(env, info[7].As<Napi::Function>(), "hull:layer-decoder", 0, 1);
  // A 9th argument false reads the blob with pread even where it could be mapped (tests).
  handle->decoder->Start(tsfn, info.Length() < 9 || info[8].ToBoolean());
  return Napi::External<Handle>::New(env, handle, [](Napi::Env, Handle* h) { delete h; });
}

// layerDecoderTake(handle) -> [index, length] of the next ready buffer, or -1 (none yet: notify
// will be called), -2 (the end: every byte handed out and hashed), -3 (failed: see result).
Napi::Value LayerDecoderTake(const Napi::CallbackInfo& info) {
  Handle* h = Unwrap(info);
  if (!h) return info.Env().Undefined();
  size_t len = 0;
  int idx = h->decoder->Take(&len);
  if (idx < 0) return Napi::Number::New(info.Env(), idx);
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, idx);
  a.Set(1u, static_cast<double>(len));
  return a;
}

// layerDecoderGive(handle, index): the consumer is done with that buffer.
Napi::Value LayerDecoderGive(const Napi::CallbackInfo& info) {
  Handle* h = Unwrap(info);
  if (h && info.Length() > 1 && info[1].IsNumber()) h->decoder->Give(info[1].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// layerDecoderResult(handle) -> { failure, code, blobBytes, blobDigest, diffDigest? } (hex digests).
Napi::Value LayerDecoderResult(const Napi::CallbackInfo& info) {
  Handle* h = Unwrap(info);
  if (!h) return info.Env().Undefined();
  return h->decoder->Result(info.Env());
}

// layerDecoderStop(handle): cancels and joins the threads (they no longer touch the fd or the buffers).
Napi::Value LayerDecoderStop(const Napi::CallbackInfo& info) {
  Handle* h = Unwrap(info);
  if (h) h->decoder->Stop();
  return info.Env().Undefined();
}

}  // namespace hull
