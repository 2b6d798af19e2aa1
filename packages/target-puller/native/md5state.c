/*
 * A running MD5 on a thread of its own whose state can be saved and restored,
 * so a resumed download continues the digest instead of reading back what is
 * already on disk. Node's crypto cannot export a hash's state; the MD5 here
 * is still OpenSSL's (Node exports its OpenSSL symbols to addons), so it runs
 * at the speed of crypto.createHash('md5').
 *
 * The hashing thread takes buffers from a queue and never waits for the main
 * thread: a pull's main thread is busy receiving, and a hash that needed it
 * between two updates sat idle for a third of the time. The thread reports
 * progress (bytes hashed) through a thread-safe function; the caller keeps
 * each buffer alive and unchanged until the progress passes its end
 * (resumableMd5.ts does).
 */
#include <node_api.h>
#include <openssl/md5.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const unsigned char *data;
  size_t len;
} Item;

typedef struct {
  MD5_CTX ctx;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t wake;
  Item *items; /* queue: items[head..tail) */
  size_t head, tail, cap;
  uint64_t hashed; /* bytes hashed, the restored offset included */
  uint64_t pushed; /* bytes queued, the restored offset included */
  bool refd;       /* the progress callback keeps the event loop alive: bytes are pending */
  /* State after the last whole item, for save(): A B C D and the bytes they cover. */
  MD5_LONG saved[4];
  uint64_t saved_offset;
  bool busy, stop, notifying, closed;
  napi_threadsafe_function progress;
} Hasher;

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/* Snapshot of the state at a 64-byte boundary: a partial block's bytes are left out. */
static void snapshot(Hasher *h) {
  uint64_t bytes = (((uint64_t)h->ctx.Nh << 32) | h->ctx.Nl) / 8 - h->ctx.num;
  h->saved[0] = h->ctx.A;
  h->saved[1] = h->ctx.B;
  h->saved[2] = h->ctx.C;
  h->saved[3] = h->ctx.D;
  h->saved_offset = bytes;
}

static void *run(void *arg) {
  Hasher *h = arg;
  pthread_mutex_lock(&h->mu);
  for (;;) {
    while (h->head == h->tail && !h->stop) pthread_cond_wait(&h->wake, &h->mu);
    if (h->stop) break;
    Item it = h->items[h->head++];
    h->busy = true;
    pthread_mutex_unlock(&h->mu);
    MD5_Update(&h->ctx, it.data, it.len);
    pthread_mutex_lock(&h->mu);
    h->busy = false;
    h->hashed += it.len;
    snapshot(h);
    if (!h->notifying) {
      h->notifying = true;
      napi_call_threadsafe_function(h->progress, NULL, napi_tsfn_nonblocking);
    }
  }
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

static void call_progress(napi_env env, napi_value callback, void *context, void *data) {
  (void)data;
  Hasher *h = context;
  if (!env) return;
  pthread_mutex_lock(&h->mu);
  h->notifying = false;
  double hashed = (double)h->hashed;
  bool caught_up = h->hashed == h->pushed;
  pthread_mutex_unlock(&h->mu);
  if (caught_up && h->refd) {
    napi_unref_threadsafe_function(env, h->progress);
    h->refd = false;
  }
  napi_value arg, global;
  napi_create_double(env, hashed, &arg);
  napi_get_global(env, &global);
  napi_call_function(env, global, callback, 1, &arg, NULL);
}

static void stop_thread(Hasher *h) {
  if (h->closed) return;
  pthread_mutex_lock(&h->mu);
  h->stop = true;
  pthread_cond_signal(&h->wake);
  pthread_mutex_unlock(&h->mu);
  pthread_join(h->thread, NULL);
  h->closed = true;
}

/*
 * The thread-safe function's finalizer owns the hasher: it runs once no
 * progress call can come any more, after close() or at the environment's
 * teardown (then the thread is stopped here).
 */
static void hasher_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Hasher *h = data;
  stop_thread(h);
  pthread_mutex_destroy(&h->mu);
  pthread_cond_destroy(&h->wake);
  free(h->items);
  free(h);
}

/*
 * What JavaScript holds: a handle that close() empties, so a call after
 * close finds no hasher instead of freed memory.
 */
typedef struct {
  Hasher *h;
} Handle;

static void handle_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static Handle *handle_of(napi_env env, napi_value v) {
  Handle *handle = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_get_value_external(env, v, (void **)&handle) != napi_ok) return NULL;
  return handle;
}

/* The open hasher behind a handle, NULL once closed. */
static Hasher *hasher_of(napi_env env, napi_value v) {
  Handle *handle = handle_of(env, v);
  return handle ? handle->h : NULL;
}

/* A Uint8Array's (Buffer's) bytes; false for anything else. */
static bool bytes_of(napi_env env, napi_value v, const unsigned char **data, size_t *len) {
  bool is_typedarray = false;
  napi_typedarray_type type;
  void *p;
  if (napi_is_typedarray(env, v, &is_typedarray) != napi_ok || !is_typedarray) return false;
  if (napi_get_typedarray_info(env, v, &type, len, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) return false;
  *data = p;
  return true;
}

static size_t args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  return argc;
}

/* create(onProgress): an empty MD5 and its thread; onProgress(bytesHashed) after updates. */
static napi_value create(napi_env env, napi_callback_info info) {
  napi_value argv[1], name, out;
  napi_valuetype t;
  if (args(env, info, 1, argv) < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function) return fail(env, "create(onProgress): a function is needed");
  Hasher *h = calloc(1, sizeof(Hasher));
  if (!h) return fail(env, "md5: out of memory");
  MD5_Init(&h->ctx);
  snapshot(h);
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->wake, NULL);
  napi_create_string_utf8(env, "altbackup:md5", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, h, hasher_free, h, call_progress, &h->progress) != napi_ok) {
    free(h);
    return fail(env, "md5: cannot create the progress callback");
  }
  /* Only pending bytes keep the process alive (push refs, catching up unrefs). */
  napi_unref_threadsafe_function(env, h->progress);
  if (pthread_create(&h->thread, NULL, run, h) != 0) {
    h->closed = true;
    napi_release_threadsafe_function(h->progress, napi_tsfn_abort);
    return fail(env, "md5: cannot start the hashing thread");
  }
  Handle *handle = malloc(sizeof(Handle));
  if (!handle || napi_create_external(env, handle, handle_free, NULL, &out) != napi_ok) {
    free(handle);
    stop_thread(h);
    napi_release_threadsafe_function(h->progress, napi_tsfn_abort);
    return fail(env, "md5: cannot wrap the hasher");
  }
  handle->h = h;
  return out;
}

/* push(h, buffers): queues the buffers, in order, after everything queued before. */
static napi_value push(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Hasher *h = args(env, info, 2, argv) == 2 ? hasher_of(env, argv[0]) : NULL;
  bool is_array = false;
  if (!h) return fail(env, "push(h, buffers): not an open hasher");
  if (napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) return fail(env, "push(h, buffers): buffers must be an array");
  uint32_t n;
  napi_get_array_length(env, argv[1], &n);
  Item *batch = malloc((n ? n : 1) * sizeof(Item));
  if (!batch) return fail(env, "md5: out of memory");
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, argv[1], i, &item) != napi_ok || !bytes_of(env, item, &batch[i].data, &batch[i].len)) {
      free(batch);
      return fail(env, "push(h, buffers): every element must be a Buffer (Uint8Array)");
    }
  }
  pthread_mutex_lock(&h->mu);
  if (h->head > 0 && h->head == h->tail) h->head = h->tail = 0;
  if (h->tail + n > h->cap) {
    /* Compact, then grow if still short. */
    memmove(h->items, h->items + h->head, (h->tail - h->head) * sizeof(Item));
    h->tail -= h->head;
    h->head = 0;
    if (h->tail + n > h->cap) {
      size_t cap = h->cap ? h->cap : 64;
      while (cap < h->tail + n) cap *= 2;
      Item *grown = realloc(h->items, cap * sizeof(Item));
      if (!grown) {
        pthread_mutex_unlock(&h->mu);
        free(batch);
        return fail(env, "md5: out of memory");
      }
      h->items = grown;
      h->cap = cap;
    }
  }
  memcpy(h->items + h->tail, batch, n * sizeof(Item));
  h->tail += n;
  for (uint32_t i = 0; i < n; i++) h->pushed += batch[i].len;
  pthread_cond_signal(&h->wake);
  pthread_mutex_unlock(&h->mu);
  free(batch);
  if (!h->refd && n > 0) {
    napi_ref_threadsafe_function(env, h->progress);
    h->refd = true;
  }
  return NULL;
}

/* Whether the thread has nothing queued or running (the caller knows from progress). */
static bool idle(Hasher *h) {
  return h->head == h->tail && !h->busy;
}

/* digest(h): the MD5 of everything hashed, 16 bytes; only when all that was pushed is hashed. */
static napi_value digest(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  Hasher *h = args(env, info, 1, argv) == 1 ? hasher_of(env, argv[0]) : NULL;
  if (!h) return fail(env, "digest(h): not an open hasher");
  pthread_mutex_lock(&h->mu);
  if (!idle(h)) {
    pthread_mutex_unlock(&h->mu);
    return fail(env, "digest(h): buffers are still being hashed");
  }
  MD5_CTX copy = h->ctx;
  pthread_mutex_unlock(&h->mu);
  void *md;
  if (napi_create_buffer(env, MD5_DIGEST_LENGTH, &md, &out) != napi_ok) return NULL;
  MD5_Final(md, &copy);
  return out;
}

static void put_le32(unsigned char *p, MD5_LONG v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static MD5_LONG get_le32(const unsigned char *p) {
  return (MD5_LONG)p[0] | (MD5_LONG)p[1] << 8 | (MD5_LONG)p[2] << 16 | (MD5_LONG)p[3] << 24;
}

/*
 * save(h): { offset, words }: the state (A B C D, little-endian, 16 bytes)
 * after the first `offset` bytes, a multiple of 64, as of the last buffer
 * hashed; the bytes of an unfinished 64-byte block are left out, to be hashed
 * again from the file. This form is MD5's own, not OpenSSL's struct, so it
 * stays valid across builds.
 */
static napi_value save(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, offset, words;
  Hasher *h = args(env, info, 1, argv) == 1 ? hasher_of(env, argv[0]) : NULL;
  if (!h) return fail(env, "save(h): not an open hasher");
  void *w;
  if (napi_create_buffer(env, 16, &w, &words) != napi_ok) return NULL;
  pthread_mutex_lock(&h->mu);
  for (int i = 0; i < 4; i++) put_le32((unsigned char *)w + 4 * i, h->saved[i]);
  double at = (double)h->saved_offset;
  pthread_mutex_unlock(&h->mu);
  napi_create_double(env, at, &offset);
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "offset", offset);
  napi_set_named_property(env, out, "words", words);
  return out;
}

/* restore(h, offset, words): continue from a saved state; only before the first push. */
static napi_value restore(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Hasher *h = args(env, info, 3, argv) == 3 ? hasher_of(env, argv[0]) : NULL;
  if (!h) return fail(env, "restore(h, offset, words): not an open hasher");
  int64_t offset;
  const unsigned char *p;
  size_t wlen;
  if (napi_get_value_int64(env, argv[1], &offset) != napi_ok || offset < 0 || offset % 64 != 0 || offset > (INT64_C(1) << 53))
    return fail(env, "restore: offset must be a non-negative multiple of 64");
  if (!bytes_of(env, argv[2], &p, &wlen) || wlen != 16) return fail(env, "restore: words must be a Buffer of 16 bytes");
  pthread_mutex_lock(&h->mu);
  if (!idle(h) || h->hashed != 0) {
    pthread_mutex_unlock(&h->mu);
    return fail(env, "restore: only before the first push");
  }
  h->ctx.A = get_le32(p);
  h->ctx.B = get_le32(p + 4);
  h->ctx.C = get_le32(p + 8);
  h->ctx.D = get_le32(p + 12);
  uint64_t bits = (uint64_t)offset * 8;
  h->ctx.Nl = (MD5_LONG)(bits & 0xffffffffu);
  h->ctx.Nh = (MD5_LONG)(bits >> 32);
  h->ctx.num = 0;
  h->hashed = h->pushed = (uint64_t)offset;
  snapshot(h);
  pthread_mutex_unlock(&h->mu);
  return NULL;
}

/*
 * close(h): stops the thread; what was queued and not hashed is dropped. The
 * hasher is freed soon after; later calls with h fail as on a closed hasher.
 */
static napi_value close_hasher(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Handle *handle = args(env, info, 1, argv) == 1 ? handle_of(env, argv[0]) : NULL;
  if (!handle || !handle->h) return fail(env, "close(h): not an open hasher");
  Hasher *h = handle->h;
  handle->h = NULL;
  stop_thread(h);
  napi_release_threadsafe_function(h->progress, napi_tsfn_abort);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"push", NULL, push, NULL, NULL, NULL, napi_enumerable, NULL},
      {"digest", NULL, digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"save", NULL, save, NULL, NULL, NULL, napi_enumerable, NULL},
      {"restore", NULL, restore, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_hasher, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
