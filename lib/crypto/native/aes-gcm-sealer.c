/*
 * AES-256-GCM sealing and opening with one OpenSSL context per key, reused for every frame under it.
 *
 * Why this exists: node:crypto has no way to reuse a cipher. Every frame costs a new Cipheriv: a native object
 * with a weak handle, a key schedule, and three native buffers for its output and tag. A host seals one frame
 * per client per tick, and at a thousand clients that was as much CPU as the socket write itself, plus the
 * garbage collector's time to finalize those objects. Here a context is set up once per key (the key schedule
 * is kept), each frame only sets its nonce, and the output is written into the frame the caller allocated.
 * Opening is the same: a host receives an ack or a ping from every client every second or so, and each
 * Decipheriv was a native object with a weak handle and two output buffers for the garbage collector to finalize.
 * It is the same OpenSSL that node:crypto uses (Node's own, through its headers); lib/crypto/aead.ts falls back
 * to node:crypto when this module was not built, and the specs check both produce the same bytes.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16

static napi_value fail(napi_env env, const char* code, const char* message) {
  napi_throw_error(env, code, message);
  return NULL;
}

/* The context goes with its JS handle: freed (and the key schedule cleansed) when the handle is collected. */
static void free_context(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  EVP_CIPHER_CTX_free((EVP_CIPHER_CTX*)data);
}

/*
 * The key's AES-256-GCM context for one direction (encrypt 1: sealing, 0: opening), wrapped in a JS handle; the
 * key schedule is computed here once.
 */
static napi_value create_context(napi_env env, napi_callback_info info, int encrypt) {
  size_t argc = 1;
  napi_value argv[1];
  void* key = NULL;
  size_t key_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_buffer_info(env, argv[0], &key, &key_length) != napi_ok || key_length != KEY_BYTES)
    return fail(env, "ERR_AEAD_KEY", "an AES-256-GCM key is a 32-byte Buffer");
  EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
  if (context == NULL || EVP_CipherInit_ex(context, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
      EVP_CipherInit_ex(context, NULL, NULL, (const unsigned char*)key, NULL, encrypt) != 1) {
    EVP_CIPHER_CTX_free(context);
    return fail(env, "ERR_AEAD_INIT", "OpenSSL could not set up AES-256-GCM");
  }
  napi_value handle;
  if (napi_create_external(env, context, free_context, NULL, &handle) != napi_ok) {
    EVP_CIPHER_CTX_free(context);
    return fail(env, "ERR_AEAD_INIT", "could not wrap the cipher context");
  }
  return handle;
}

/* createSealer(key: 32-byte Buffer) -> an opaque handle holding the key's encryption context. */
static napi_value create_sealer(napi_env env, napi_callback_info info) { return create_context(env, info, 1); }

/* createOpener(key: 32-byte Buffer) -> an opaque handle holding the key's decryption context. */
static napi_value create_opener(napi_env env, napi_callback_info info) { return create_context(env, info, 0); }

/*
 * seal(sealer, nonce: 12 bytes, frame, aadBytes, plaintext): the frame's first aadBytes are the AAD (written by
 * the caller); the ciphertext follows them and the 16-byte tag ends the frame, which must be exactly that long.
 */
static napi_value seal(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_valuetype handle_type;
  void* context = NULL;
  unsigned char *nonce = NULL, *frame = NULL, *plaintext = NULL;
  size_t nonce_length = 0, frame_length = 0, plaintext_length = 0;
  uint32_t aad_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 ||
      napi_typeof(env, argv[0], &handle_type) != napi_ok || handle_type != napi_external ||
      napi_get_value_external(env, argv[0], &context) != napi_ok ||
      napi_get_buffer_info(env, argv[1], (void**)&nonce, &nonce_length) != napi_ok ||
      napi_get_buffer_info(env, argv[2], (void**)&frame, &frame_length) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &aad_length) != napi_ok ||
      napi_get_buffer_info(env, argv[4], (void**)&plaintext, &plaintext_length) != napi_ok)
    return fail(env, "ERR_AEAD_ARGUMENTS", "seal(sealer, nonce, frame, aadBytes, plaintext)");
  if (nonce_length != NONCE_BYTES || plaintext_length > INT32_MAX || aad_length > INT32_MAX ||
      frame_length != (size_t)aad_length + plaintext_length + TAG_BYTES)
    return fail(env, "ERR_AEAD_ARGUMENTS", "the frame must hold exactly the AAD, the ciphertext and the tag");
  EVP_CIPHER_CTX* cipher = (EVP_CIPHER_CTX*)context;
  int written = 0, final_bytes = 0, ignored = 0;
  /* A null key keeps the key schedule: only the nonce is new. */
  if (EVP_EncryptInit_ex(cipher, NULL, NULL, NULL, nonce) != 1 ||
      (aad_length > 0 && EVP_EncryptUpdate(cipher, NULL, &ignored, frame, (int)aad_length) != 1) ||
      EVP_EncryptUpdate(cipher, frame + aad_length, &written, plaintext, (int)plaintext_length) != 1 ||
      EVP_EncryptFinal_ex(cipher, frame + aad_length + written, &final_bytes) != 1 ||
      (size_t)written + (size_t)final_bytes != plaintext_length ||
      EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, frame + aad_length + plaintext_length) != 1)
    return fail(env, "ERR_AEAD_SEAL", "OpenSSL could not seal the frame");
  return NULL;
}

/*
 * open(opener, nonce: 12 bytes, aad, sealed, out) -> boolean: `sealed` is the ciphertext and its 16-byte tag,
 * `out` exactly the ciphertext's length. True when the tag verifies; false otherwise, and then `out` holds
 * unauthenticated bytes the caller must drop.
 */
static napi_value open_frame(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_valuetype handle_type;
  void* context = NULL;
  unsigned char *nonce = NULL, *aad = NULL, *sealed = NULL, *out = NULL;
  size_t nonce_length = 0, aad_length = 0, sealed_length = 0, out_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5 ||
      napi_typeof(env, argv[0], &handle_type) != napi_ok || handle_type != napi_external ||
      napi_get_value_external(env, argv[0], &context) != napi_ok ||
      napi_get_buffer_info(env, argv[1], (void**)&nonce, &nonce_length) != napi_ok ||
      napi_get_buffer_info(env, argv[2], (void**)&aad, &aad_length) != napi_ok ||
      napi_get_buffer_info(env, argv[3], (void**)&sealed, &sealed_length) != napi_ok ||
      napi_get_buffer_info(env, argv[4], (void**)&out, &out_length) != napi_ok)
    return fail(env, "ERR_AEAD_ARGUMENTS", "open(opener, nonce, aad, sealed, out)");
  if (nonce_length != NONCE_BYTES || aad_length > INT32_MAX || sealed_length < TAG_BYTES ||
      sealed_length - TAG_BYTES > INT32_MAX || out_length != sealed_length - TAG_BYTES)
    return fail(env, "ERR_AEAD_ARGUMENTS", "out must be exactly as long as the ciphertext before its tag");
  EVP_CIPHER_CTX* cipher = (EVP_CIPHER_CTX*)context;
  /* OpenSSL takes the expected tag through a non-const pointer: a copy, so the caller's frame is never written. */
  unsigned char tag[TAG_BYTES];
  memcpy(tag, sealed + out_length, TAG_BYTES);
  int written = 0, final_bytes = 0, ignored = 0;
  int ok = EVP_DecryptInit_ex(cipher, NULL, NULL, NULL, nonce) == 1 &&
           (aad_length == 0 || EVP_DecryptUpdate(cipher, NULL, &ignored, aad, (int)aad_length) == 1) &&
           EVP_DecryptUpdate(cipher, out, &written, sealed, (int)out_length) == 1 &&
           EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1 &&
           EVP_DecryptFinal_ex(cipher, out + written, &final_bytes) == 1 &&
           (size_t)written + (size_t)final_bytes == out_length;
  napi_value result;
  if (napi_get_boolean(env, ok, &result) != napi_ok) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"createSealer", NULL, create_sealer, NULL, NULL, NULL, napi_default, NULL},
      {"seal", NULL, seal, NULL, NULL, NULL, napi_default, NULL},
      {"createOpener", NULL, create_opener, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_frame, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 4, properties) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
