"""Loads a SAS CUDA layer library with ctypes (no GPU needed) and prints
what it reports: its configuration and the errors of calls it must refuse.

    check_layer_library.py LAYER.so
"""

import ctypes
import ctypes.util
import json
import subprocess
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.sas_layer_config.restype = ctypes.c_char_p
lib.sas_last_error.restype = ctypes.c_char_p
P, ARRAY = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)


def bind(name, *pointers):
    """The C entry `name`: its pointer and pointer-array arguments, then B,
    T and a stream; it returns a status."""
    function = getattr(lib, name)
    function.restype = ctypes.c_int
    function.argtypes = list(pointers) + [ctypes.c_int64, ctypes.c_int64,
                                          ctypes.c_void_p]


bind("sas_layer_forward", P, P, P, ARRAY, P)
bind("sas_attention_forward", *[P] * 4)
bind("sas_attention_backward", *[P] * 9)
bind("sas_layer_backward", P, P, P, ARRAY, *[P] * 4, ARRAY)
bind("sas_layer_forward_save", P, P, P, ARRAY, *[P] * 3)
bind("sas_layer_backward_saved", P, P, P, ARRAY, *[P] * 6, ARRAY)

# Only the documented C API leaves the library.
exported = subprocess.run(["nm", "-D", "--defined-only", sys.argv[1]],
                          capture_output=True, text=True, check=True).stdout
print("exports:", " ".join(sorted(line.split()[-1]
                                  for line in exported.splitlines()
                                  if line.split()[-2] in "TDRB")))

config = json.loads(lib.sas_layer_config())
for key in ("batch", "seq_len", "heads", "sim_heads", "head_dim",
            "sim_head_dim", "kernel", "causal", "dtype", "chip",
            "input_shape", "output_shape"):
    print(f"{key}: {json.dumps(config[key])}")
print(f"scale: {config['scale']:.6f}")
print("parameters:", " ".join(f"{p['name']}{p['shape']}".replace(" ", "")
                              for p in config["parameters"]))
paths = [k["path"] for k in config["kernels"]]
print("kernels:", len(paths), "linalg:", paths.count("linalg"),
      "reasons:", len(config["linalg_reasons"]))
print(f"last error before any call: '{lib.sas_last_error().decode()}'")
print(f"attention backward: {json.dumps(config['attention_backward'])} "
      f"'{config['attention_backward_note']}'")
print(f"layer backward: {json.dumps(config['layer_backward'])} "
      f"'{config['layer_backward_note']}'")
print(f"saves attention: {json.dumps(config['saves_attention'])}")
# The attention's forward kernels each backward entry runs (attention_mma,
# attention_wgmma; not its gradient, attention_grad_mma).
for entry in ("sas_layer_backward", "sas_layer_backward_saved"):
    forward = [k["name"] for k in config["kernels"]
               if k["name"].startswith(entry + "_device_attention_")
               and "_grad_" not in k["name"]]
    print(f"{entry} attention forwards: {len(forward)}")

fake = ctypes.c_void_p(0x1000)
params = (ctypes.c_void_p * 22)(*([0x1000] * 22))
b, t = config["batch"] or 3, config["seq_len"] or 5
if config["batch"] is not None:
    status = lib.sas_layer_forward(fake, fake, fake, params, fake, b + 1, t,
                                   None)
    print(f"wrong batch: {status} {lib.sas_last_error().decode()}")
status = lib.sas_layer_forward(fake, fake, fake, params, fake, b, 0, None)
print(f"empty: {status} {lib.sas_last_error().decode()}")
status = lib.sas_attention_forward(fake, fake, None, fake, b, t, None)
print(f"attention null v: {status} {lib.sas_last_error().decode()}")
status = lib.sas_attention_forward(fake, fake, fake, fake, -1, t, None)
print(f"attention empty: {status} {lib.sas_last_error().decode()}")
grads = [fake] * 9
grads[7] = None
status = lib.sas_attention_backward(*grads, b, t, None)
print(f"backward null d_k: {status} {lib.sas_last_error().decode()}")
d_params = (ctypes.c_void_p * 22)(*([0x1000] * 22))
status = lib.sas_layer_backward(fake, fake, fake, params, None, fake, fake,
                                fake, d_params, b, t, None)
print(f"layer backward null d_out: {status} "
      f"{lib.sas_last_error().decode()}")
status = lib.sas_layer_forward_save(fake, fake, fake, params, fake, fake,
                                    None, b, t, None)
print(f"forward save null lse: {status} {lib.sas_last_error().decode()}")
d_params[3] = None
status = lib.sas_layer_backward(fake, fake, fake, params, fake, fake, fake,
                                fake, d_params, b, t, None)
print(f"layer backward null d_params[3]: {status} "
      f"{lib.sas_last_error().decode()}")
status = lib.sas_layer_backward_saved(fake, fake, fake, params, fake, fake,
                                      fake, fake, fake, fake, d_params, b, t,
                                      None)
print(f"backward saved null d_params[3]: {status} "
      f"{lib.sas_last_error().decode()}")
d_params[3] = 0x1000
params[5] = None
status = lib.sas_layer_forward(fake, fake, fake, params, fake, b, t, None)
print(f"null parameter: {status} {lib.sas_last_error().decode()}")
params[5] = 0x1000 + 4
status = lib.sas_layer_forward(fake, fake, fake, params, fake, b, t, None)
print(f"misaligned parameter: {status} {lib.sas_last_error().decode()}")
params[5] = 0x1000
status = lib.sas_attention_forward(fake, ctypes.c_void_p(0x1002), fake, fake,
                                   b, t, None)
print(f"attention misaligned k: {status} {lib.sas_last_error().decode()}")
# Without a CUDA driver the call fails before touching the pointers; with
# one, these fake pointers must not reach a kernel.
if ctypes.util.find_library("cuda") is None:
    status = lib.sas_layer_forward(fake, fake, fake, params, fake, b, t, None)
    print(f"no driver: {status} {lib.sas_last_error().decode()}")
else:
    print("no driver: skipped (this machine has libcuda)")
